"""The command line and the settings dataclasses never drift: every settings field has a flag, every flag is
a settings field (or says what to load or how to talk), and the defaults are the same."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from tda_nn.cli import build_parser, main
from tda_nn.cli.flags import CLI_DEFAULTS, LOADING_FLAGS, OUTPUT_FLAGS, flag_name, settings_kwargs
from tda_nn.workflows.settings import AnalyzeSettings, CompareSettings, TrackSettings, cli_fields

COMMANDS = {"analyze": AnalyzeSettings, "compare": CompareSettings, "track": TrackSettings}
PYTHON_ONLY = {"config": "the command records its own arguments", "inputs": "arrays, not a flag",
               "names": "the checkpoints' file names", "steps": "the checkpoints' order"}
POSITIONAL = {"compare": "checkpoints", "track": "directory"}


def _subparser(command):
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_field_has_a_flag_and_every_flag_a_field(command):
    cls = COMMANDS[command]
    sub = _subparser(command)
    flags = {opt for a in sub._actions for opt in a.option_strings if opt.startswith("--")}
    by_dest = {a.dest: a for a in sub._actions}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, f in fields.items():
        if name in PYTHON_ONLY:
            assert not f.metadata.get("cli", True), name
            continue
        assert flag_name(f) in flags, (command, name)
        assert by_dest[name].default is None or name == "out", name  # not given: the Python default applies
    settings_flags = {flag_name(f) for f in cli_fields(cls)}
    assert flags - settings_flags <= set(LOADING_FLAGS) | set(OUTPUT_FLAGS), flags - settings_flags
    assert POSITIONAL.get(command, None) in (None, *by_dest)


@pytest.mark.parametrize("command", COMMANDS)
def test_no_flags_means_the_python_defaults(command):
    cls = COMMANDS[command]
    args = build_parser().parse_args([command, *(["a.pt", "b.pt"] if command == "compare" else
                                                 ["dir"] if command == "track" else [])])
    given, defaults = settings_kwargs(args, cls)
    assert set(given) <= set(CLI_DEFAULTS)
    assert cls(**defaults) == cls()


def test_flags_become_the_settings_they_name():
    args = build_parser().parse_args(["analyze", "--bootstrap", "7", "--no-progress", "--regions", "off", "--view",
                                      "none", "--symmetry", "rot90,flip", "--no-loops", "--combined-distance",
                                      "--max-memory", "2GB", "--max-time", "60", "--region-resolution", "16"])
    given, defaults = settings_kwargs(args, AnalyzeSettings)
    s = AnalyzeSettings(**{**defaults, **given})
    assert (s.n_bootstrap, s.progress, s.regions, s.view, s.loops, s.combined_distance) == (7, False, False, None,
                                                                                           False, True)
    assert list(s.symmetry) == ["rot90", "flip"] and s.max_time == 60.0 and s.region_resolution == 16


def test_a_rerun_logs_its_reused_stages_with_and_without_progress_bars(tmp_path, capsys):
    from pathlib import Path

    ckpt = str(Path(__file__).resolve().parents[1] / "data" / "digits_cnn.pt")
    base = ["analyze", "--model", "tda_nn.zoo:digits_cnn", "--checkpoint", ckpt, "--layers", "conv1", "fc1",
            "--max-samples", "40", "--bootstrap", "0", "--regions", "off", "--view", "none", "--out",
            str(tmp_path / "rep")]
    assert main(base) == 0
    err = capsys.readouterr().err
    assert "capture done in" in err and "Reused" not in err
    for extra in ([], ["--no-progress"]):
        assert main([*base, *extra]) == 0
        err = capsys.readouterr().err
        assert "Reused the finished stages: capture, persistence" in err, extra
        assert "persistence done in" in err and "(reused)" in err
    assert main([*base, "--quiet"]) == 0
    assert "Reused" not in capsys.readouterr().err and logging.getLogger("tda_nn").level == logging.WARNING
