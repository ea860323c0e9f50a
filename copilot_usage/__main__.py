from copilot_usage.cli import main

raise SystemExit(main())
