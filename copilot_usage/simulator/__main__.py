"""`python -m copilot_usage.simulator`: the simulator on its own (the same as `copilot-usage simulate`)."""

from copilot_usage.simulator.cli import main

raise SystemExit(main())
