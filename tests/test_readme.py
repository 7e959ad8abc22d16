"""The README's set-up commands stay true: CI runs the README's own test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)
    assert len(blocks) >= 2
    main_cmd, test_cmd = blocks[0], blocks[1]
    assert "pip install" in main_cmd and "varsynth generate" in main_cmd  # the main job: generation
    assert "pip install" in test_cmd and "pytest" in test_cmd
    marked = re.search(r"<!-- test-command -->\n```bash\n(.+?)\n```\n<!-- /test-command -->", readme, re.S)
    assert marked and marked.group(1) == test_cmd
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and "main command" in ci


def test_main_command_config_exists():
    readme = (ROOT / "README.md").read_text()
    for path in re.findall(r"--config (\S+)", readme):
        assert (ROOT / path).is_file(), path
