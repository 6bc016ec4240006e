"""Scripts against a connection: test files and their `ws` object, the runner, JUnit XML,
and replaying a recorded session with a diff of the answers.

    script = load_script(Path("echo_test.py"))    # every `async def test_*(ws)`
    report = await run_files([path], Target(options), EventLog(None))
    write_junit(report, Path("results.xml"))

The `ws` API is documented in docs/scripting.md.
"""
