import shutil
import subprocess
import sys

import pytest
from llmio_cli.commands import install as install_module


class Recorder:
    def __init__(self, returncode=0):
        self.calls = []
        self.returncode = returncode

    def __call__(self, argv, *args, **kwargs):
        self.calls.append(argv)
        return subprocess.CompletedProcess(argv, self.returncode)


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(subprocess, "run", rec)
    return rec


PIP = [sys.executable, "-m", "pip"]


def test_install_runs_pip_in_this_environment(invoke, recorder):
    result = invoke("install", "llm-gpt4all")
    assert (result.exit_code, result.output) == (0, "")
    assert recorder.calls == [PIP + ["install", "llm-gpt4all"]]


def test_install_all_options(invoke, recorder):
    result = invoke(
        "install", "-U", "--force-reinstall", "--no-cache-dir", "-e", "path/to/plugin", "a", "b"
    )
    assert result.exit_code == 0
    assert recorder.calls == [
        PIP
        + [
            "install",
            "--upgrade",
            "--editable",
            "path/to/plugin",
            "--force-reinstall",
            "--no-cache-dir",
            "a",
            "b",
        ]
    ]


def test_install_editable_alone(invoke, recorder):
    assert invoke("install", "--editable", ".").exit_code == 0
    assert recorder.calls == [PIP + ["install", "--editable", "."]]


def test_install_needs_something_to_install(invoke, recorder):
    result = invoke("install")
    assert result.exit_code == 2
    assert "Specify packages to install, or -e PATH" in result.output
    assert recorder.calls == []


def test_install_failure_exit_code(invoke, monkeypatch):
    monkeypatch.setattr(subprocess, "run", Recorder(returncode=3))
    assert invoke("install", "nope-not-a-package").exit_code == 3


def test_uninstall(invoke, recorder):
    assert invoke("uninstall", "llm-gpt4all", "-y").exit_code == 0
    assert invoke("uninstall", "a", "b").exit_code == 0
    assert recorder.calls == [
        PIP + ["uninstall", "llm-gpt4all", "-y"],
        PIP + ["uninstall", "a", "b"],
    ]


def test_uninstall_requires_packages(invoke, recorder):
    result = invoke("uninstall")
    assert result.exit_code == 2
    assert "Missing argument 'PACKAGES...'" in result.output
    assert recorder.calls == []


def test_without_pip_falls_back_to_uv(invoke, recorder, monkeypatch):
    monkeypatch.setattr(install_module, "pip_available", lambda: False)
    monkeypatch.setattr(shutil, "which", lambda name: "/bin/uv")
    assert invoke("install", "-U", "--force-reinstall", "--no-cache-dir", "x").exit_code == 0
    assert invoke("uninstall", "x", "-y").exit_code == 0
    assert recorder.calls == [
        [
            "/bin/uv",
            "pip",
            "install",
            "--python",
            sys.executable,
            "--upgrade",
            "--reinstall",
            "--no-cache",
            "x",
        ],
        ["/bin/uv", "pip", "uninstall", "--python", sys.executable, "x"],
    ]


def test_without_pip_or_uv_is_clean_error(invoke, recorder, monkeypatch):
    monkeypatch.setattr(install_module, "pip_available", lambda: False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = invoke("install", "x")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: pip is not installed in the environment of {sys.executable} and uv was not found\n"
    )
    assert recorder.calls == []
