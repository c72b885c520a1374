"""Quiet output: the warning filters of the processes (ops/quiet.py, put in place by ops/rasa_cli.py)
and of the tests (pytest.ini) hide third-party deprecation notices and Rasa's notices about choices
made on purpose, never a warning of our own code or about our data."""
from __future__ import annotations

import configparser
import pathlib
import re
import warnings

import pytest

from ops import quiet

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _shown(message: str, category: type[Warning], module: str, *, catch_all: bool = False) -> bool:
    """Whether a warning raised from ``module`` reaches the output with the filters in place."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        quiet.install()
        if catch_all:  # what sanic's import and Rasa's start-up do; ops/rasa_cli.py installs again after
            warnings.filterwarnings("once", category=DeprecationWarning)
            warnings.filterwarnings("once", category=UserWarning)
            quiet.install()
        warnings.warn_explicit(message, category, f"/{module.replace('.', '/')}.py", 1, module=module, registry={})
    return any(str(w.message) == message for w in caught)  # not a warning of another thread


@pytest.mark.parametrize("module, message", [
    ("pkg_resources", "Deprecated call to `pkg_resources.declare_namespace('ruamel')`."),
    ("rasa.core.tracker_store", "Deprecated API features detected! These feature(s) are not compatible with SQLAlchemy 2.0."),
    ("rasa.shared.utils.validation", "pkg_resources is deprecated as an API."),
    ("tensorflow.lite.python.util", "jax.xla_computation is deprecated. Please use the AOT APIs."),
    ("sanic_cors.extension", "distutils Version classes are deprecated. Use packaging.version instead."),
    ("matplotlib.fontconfig_pattern", "'resetCache' deprecated - use 'reset_cache'"),
])
def test_third_party_deprecation_notices_are_not_shown(module, message):
    assert not _shown(message, DeprecationWarning, module)
    assert not _shown(message, DeprecationWarning, module, catch_all=True)


def test_a_third_party_import_hooks_deprecated_call_is_not_shown():
    assert not _shown("the load_module() method is deprecated and slated for removal in Python 3.12; use "
                      "exec_module() instead", DeprecationWarning, "importlib._bootstrap", catch_all=True)


def test_invalid_escape_in_a_third_party_file_is_not_shown_but_in_ours_it_is():
    site = "/work/.venv/engine/lib/python3.10/site-packages/keras/utils/vis_utils"
    assert not _shown("invalid escape sequence '\\{'", DeprecationWarning, site)
    assert _shown("invalid escape sequence '\\{'", DeprecationWarning, str(ROOT / "actions" / "forms"))


@pytest.mark.parametrize("module", ["actions.usernames", "gateway", "bot.channels", "kernel.privacy", "rasa_tools"])
def test_deprecation_warnings_of_our_code_are_shown(module):
    assert _shown("this call is deprecated", DeprecationWarning, module)
    assert _shown("this call is deprecated", DeprecationWarning, module, catch_all=True)


def test_user_warnings_of_our_code_are_shown():
    assert _shown("something our code warns about", UserWarning, "actions.forms")


def test_rasa_notices_about_choices_made_on_purpose_are_not_shown():
    assert not _shown("The utterance 'utter_offer_new_code' is not used in any story or rule.", UserWarning,
                      "rasa.shared.utils.io", catch_all=True)
    assert not _shown("You have an overlap between the 'RegexEntityExtractor' and the statistical entity "
                      "extractors CRFEntityExtractor in your configuration.", UserWarning,
                      "rasa.shared.utils.io", catch_all=True)


def test_rasa_warnings_about_our_training_data_are_shown():
    assert _shown("Misaligned entity annotation in message 'az e-mail címemet x@example.hu-ra szeretném'",
                  UserWarning, "rasa.shared.utils.io", catch_all=True)
    assert _shown("The action 'utter_missing' is used in the stories, but is not a valid utterance action.",
                  UserWarning, "rasa.shared.utils.io", catch_all=True)


def test_pytest_ini_filters_are_the_processes_filters():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(ROOT / "pytest.ini", encoding="utf-8")
    lines = [line.strip() for line in ini["pytest"]["filterwarnings"].splitlines() if line.strip()]
    assert "ignore::DeprecationWarning" not in lines  # no blanket filter hiding our own deprecations
    assert f"ignore::DeprecationWarning:{quiet.THIRD_PARTY_MODULES}" in lines
    assert f"ignore:invalid escape sequence:DeprecationWarning:{quiet.SITE_PACKAGES_FILES}" in lines
    message, module = quiet.IMPORT_HOOK_NOTICE
    assert f"ignore:{message}:DeprecationWarning:{module}" in lines
    for message in quiet.RASA_NOTICES:
        assert f"ignore:{message}:UserWarning" in lines
    assert len(lines) == 3 + len(quiet.RASA_NOTICES)
    assert "-p ops.quiet" in ini["pytest"]["addopts"]


def test_every_rasa_process_of_the_scripts_runs_with_the_filters():
    scripts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "scripts").glob("*.sh")}
    bare = {name for name, text in scripts.items() if re.search(r"\.venv/engine/bin/rasa\b", text)}
    assert not bare, f"Rasa started without ops/rasa_cli.py's filters in {sorted(bare)}"
    for name in ("rasa-serve.sh", "actions-serve.sh", "train.sh", "rasa-test.sh", "test.sh"):
        assert ".venv/engine/bin/python -m ops.rasa_cli " in scripts[name], name
