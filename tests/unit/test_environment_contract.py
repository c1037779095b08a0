"""The app's environment contract is declared once (django_runtime.env.CONTRACT); everything
else that names its variables is held to it: the code that reads them, README's table, the
manifests' ConfigMap and the test stacks."""

import re
from pathlib import Path

import yaml

from django_runtime.env import CONTRACT, READ_BY_OTHERS
from lifecycle.harness.stack import Database, app_environment

PROJECT = Path(__file__).resolve().parents[2]
READ = re.compile(r'(?:env_\w+|environ\.get|environ\[)\(?\s*"([A-Z][A-Z0-9_]+)"', re.S)
KNOWN = CONTRACT.keys() | READ_BY_OTHERS.keys()


def test_the_contract_is_exactly_what_django_runtime_reads():
    source = "".join(path.read_text() for path in (PROJECT / "django_runtime").glob("*.py"))
    assert set(READ.findall(source)) == set(CONTRACT)


def test_readme_documents_each_variable_of_the_contract():
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## App configuration (environment)")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", section, re.M))
    assert documented == KNOWN


def test_the_configmap_sets_only_variables_of_the_contract():
    configmap = yaml.safe_load((PROJECT / "k8s" / "base" / "configmap.yaml").read_text())
    assert set(configmap["data"]) <= KNOWN


def test_the_test_stack_sets_only_variables_of_the_contract():
    database = Database(container=None, root_password="root", password="app")
    assert set(app_environment(database, {})) <= KNOWN
