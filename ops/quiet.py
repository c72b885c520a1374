"""The warning filters of the help desk's processes: third-party deprecation notices and Rasa's notices
about choices this project made on purpose are not shown; every other warning is (ours above all).

Standard library only (imported by the engine env's Rasa entry point, ops/rasa_cli.py, and checked by
tests/unit/test_quiet_output.py). pytest.ini's ``filterwarnings`` carries the same list for the tests,
and loads this module as a plugin (see ``pytest_configure``).
"""
from __future__ import annotations

import warnings

# DeprecationWarnings attributed to these third-party packages (a warning caused by our own call of
# a deprecated API is attributed to our module and still shown). What they were on Rasa 3.6.21:
#   pkg_resources   declare_namespace('mpl_toolkits'/'ruamel')     rasa      SQLAlchemy 2.0 notices of
#   tensorflow      jax.xla_computation                                      its tracker store,
#   sanic_cors      distutils LooseVersion                                   "pkg_resources is deprecated"
#   matplotlib      pyparsing's camelCase names                    keras, jax, sanic, rasa_sdk, sqlalchemy
THIRD_PARTY = ("pkg_resources", "setuptools", "tensorflow", "keras", "jax", "sanic", "sanic_cors",
               "sanic_jwt", "matplotlib", "rasa", "rasa_sdk", "sqlalchemy", "google", "flatbuffers")
THIRD_PARTY_MODULES = r"(" + "|".join(THIRD_PARTY) + r")(\..*)?\Z"

# Compiling a third-party file with an invalid escape sequence ("\{" in keras, each time its
# bytecode is not cached) is attributed to the file's path, not to a module name.
SITE_PACKAGES_FILES = r".*/site-packages/"

# Rasa's UserWarnings about choices made on purpose:
RASA_NOTICES = (
    # responses used by the custom actions (dispatcher.utter_message(response=...)), which Rasa's
    # validator does not read; an utterance used nowhere is found by `rasa data validate` in make test
    r"The utterance '[^']+' is not used in any story or rule\.",
    # config.yml: RegexEntityExtractor finds written e-mail addresses whatever the CRF does
    r"You have an overlap between the 'RegexEntityExtractor' and the statistical entity extractors",
    # on Rasa's own list of expected warnings (rasa.utils.common.EXPECTED_WARNINGS), shown in tests only
    r"Slot auto-fill has been removed in 3\.0",
)
# An import hook of a third-party package (six's, as Rasa notes in its EXPECTED_WARNINGS) on Python 3.10.
IMPORT_HOOK_NOTICE = (r"the load_module\(\) method is deprecated", r"importlib\._bootstrap")


def install() -> None:
    """Put the filters in front of every filter installed so far (idempotent; call again after a
    library that inserts its own catch-all filter, as sanic and Rasa do)."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=THIRD_PARTY_MODULES)
    warnings.filterwarnings("ignore", message="invalid escape sequence", category=DeprecationWarning,
                            module=SITE_PACKAGES_FILES)
    warnings.filterwarnings("ignore", message=IMPORT_HOOK_NOTICE[0], category=DeprecationWarning,
                            module=IMPORT_HOOK_NOTICE[1])
    for message in RASA_NOTICES:
        warnings.filterwarnings("ignore", message=message, category=UserWarning)


def pytest_configure(config) -> None:
    """As a pytest plugin (pytest.ini: ``-p ops.quiet``): import sanic before the first test where it is
    installed, so that its catch-all filter lies under pytest.ini's filters instead of over them."""
    try:
        import sanic  # noqa: F401
    except ImportError:  # the app env has no sanic
        pass
