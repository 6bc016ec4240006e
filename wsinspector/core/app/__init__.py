"""App plumbing any floor of core may use: where files live (paths), the crash log, versions,
the base of the errors the user can cause (errors)."""
