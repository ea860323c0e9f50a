"""The core install (`pip install .` or `.[demo]`) must work without the `azure` extra: PAT users, docker compose
and the demo never need Azure SDKs, PyJWT or cryptography. This imports the core modules, and runs a small
collection, in a fresh interpreter where those packages cannot be imported."""

import subprocess
import sys
import textwrap

BLOCKED = ("jwt", "azure", "cryptography")

SCRIPT = textwrap.dedent(
    f"""
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {BLOCKED!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)")
            return None

    sys.meta_path.insert(0, Block())
    import copilot_usage.cli, copilot_usage.run, copilot_usage.demo, copilot_usage.report, copilot_usage.entry
    from copilot_usage.secrets import resolve_settings
    from copilot_usage.settings import Settings

    settings = resolve_settings(Settings.from_env({{"GITHUB_PAT": "t", "ORGANIZATION_SLUGS": "a"}}))
    assert settings.github.token.reveal() == "t"
    copilot_usage.run._github_client(settings)  # a PAT client needs none of them
    print("core OK")
    """
)


def test_core_modules_work_without_the_azure_extra():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "core OK"
