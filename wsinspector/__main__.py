from wsinspector.app import main

raise SystemExit(main())
