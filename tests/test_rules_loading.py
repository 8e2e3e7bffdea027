"""The rules are read by libyaml's loader where it is installed: it must read every file exactly as
the pure-Python safe loader does."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from pipeline import rules


@pytest.mark.parametrize("name", rules.rule_files())
def test_every_rules_file_reads_the_same_with_either_loader(name):
    text = resources.files(rules.RULES_PACKAGE).joinpath(name).read_text("utf-8")
    assert yaml.load(text, Loader=rules._SAFE_LOADER) == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_fast_loader_is_used_where_libyaml_is_installed():
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")
    assert rules._SAFE_LOADER is yaml.CSafeLoader
