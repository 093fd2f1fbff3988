"""The deployable DAG files: they compile without Airflow, the DAGs carry the settings the workflows rely on, and
the task callables wire dag_run.conf, the metadata engine, the Fernet and S3 together (a stand-in `airflow` and
`boto3` here; the real ones are on MWAA)."""
import ast
import glob
import importlib
import os
import py_compile
import sys
import types

import pytest
from cryptography.fernet import MultiFernet, Fernet

from conftest import DAGS, SECRETS, paused_states, rows
from test_units import KMS, FakeS3

PY_FILES = sorted(glob.glob(os.path.join(DAGS, "**", "*.py"), recursive=True))


def test_the_folder_holds_only_deployable_files():
    names = sorted(os.path.relpath(p, DAGS) for p in glob.glob(os.path.join(DAGS, "**", "*"), recursive=True)
                   if os.path.isfile(p) and "__pycache__" not in p)  # bytecode is ignored by git and the embedding
    assert names == ["README.md", "patterns_cdk/__init__.py", "patterns_cdk/metadata_backup.py",
                     "patterns_cdk/pcdk_export.py", "patterns_cdk/pcdk_import.py"]


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: os.path.basename(p))
def test_compiles(path, tmp_path):
    py_compile.compile(path, cfile=str(tmp_path / "out.pyc"), doraise=True)


def test_metadata_backup_imports_no_airflow():
    tree = ast.parse(open(os.path.join(DAGS, "patterns_cdk", "metadata_backup.py")).read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "airflow" not in imported and "boto3" not in imported and "botocore" not in imported


class StandInDag:
    current = None

    def __init__(self, **kwargs):
        self.kwargs, self.tasks = kwargs, []

    def __enter__(self):
        StandInDag.current = self
        return self

    def __exit__(self, *exc):
        StandInDag.current = None


class StandInOperator:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        StandInDag.current.tasks.append(self)


@pytest.fixture
def stand_in_airflow(monkeypatch):
    """Just the names the DAG files use, as Airflow 2.x spells them."""
    state = {"engine": None, "fernet": None, "version": "2.10.3", "s3": FakeS3()}
    modules = {
        "airflow": types.ModuleType("airflow"),
        "airflow.operators": types.ModuleType("airflow.operators"),
        "airflow.operators.python": types.ModuleType("airflow.operators.python"),
        "airflow.settings": types.ModuleType("airflow.settings"),
        "airflow.models": types.ModuleType("airflow.models"),
        "airflow.models.crypto": types.ModuleType("airflow.models.crypto"),
        "airflow.version": types.ModuleType("airflow.version"),
        "boto3": types.ModuleType("boto3"),
    }
    modules["airflow"].DAG = StandInDag
    modules["airflow"].settings = modules["airflow.settings"]
    modules["airflow.operators.python"].PythonOperator = StandInOperator
    modules["airflow.models.crypto"].get_fernet = lambda: state["fernet"]
    modules["boto3"].client = lambda service: state["s3"] if service == "s3" else None

    class Settings(types.ModuleType):
        @property
        def engine(self):
            return state["engine"]

    modules["airflow.settings"].__class__ = Settings

    class Version(types.ModuleType):
        @property
        def version(self):
            return state["version"]

    modules["airflow.version"].__class__ = Version
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    for name in ("patterns_cdk.pcdk_export", "patterns_cdk.pcdk_import"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return state


def load(name):
    return importlib.import_module(f"patterns_cdk.{name}")


@pytest.mark.parametrize("name,task_id", [("pcdk_export", "export_metadata"), ("pcdk_import", "import_metadata")])
def test_dag_settings(stand_in_airflow, name, task_id):
    module = load(name)
    kwargs = module.dag.kwargs
    assert kwargs["dag_id"] == name
    assert kwargs["schedule"] is None and kwargs["catchup"] is False and kwargs["max_active_runs"] == 1
    assert kwargs["tags"] == ["patterns-cdk"] and kwargs["is_paused_upon_creation"] is False
    assert kwargs["start_date"].tzinfo is not None
    [task] = module.dag.tasks
    assert task.kwargs["task_id"] == task_id and callable(task.kwargs["python_callable"])
    assert task.kwargs["execution_timeout"].total_seconds() < 60 * 60  # inside the construct's 60-min default


def test_the_callables_export_to_s3_and_import_from_it(stand_in_airflow, source, target, keys, caplog):
    state = stand_in_airflow
    prefix = "backups/prod-airflow/20261205T200000Z/"
    state.update(engine=source, fernet=MultiFernet([Fernet(keys["A"])]), version="2.7.2")
    export = load("pcdk_export").dag.tasks[0].kwargs["python_callable"]
    before = paused_states(source)
    result = export(dag_run=types.SimpleNamespace(conf={"bucket": "pcdk-backups", "prefix": prefix,
                                                        "kmsKeyArn": KMS, "exportConnections": True,
                                                        "exportVariables": False}))
    assert result == {"files": 8, "dagCount": 4, "rows": 29}
    assert paused_states(source) == before
    assert ("pcdk-backups", prefix + "manifest.json") in state["s3"].objects
    assert ("pcdk-backups", prefix + "secrets/variable.jsonl") not in state["s3"].objects
    assert all(c[3]["SSEKMSKeyId"] == KMS for c in state["s3"].calls)

    state.update(engine=target, fernet=MultiFernet([Fernet(keys["B"])]), version="2.10.3")
    module = load("pcdk_import")
    module.WAIT_FOR_DAGS_SECONDS = 0
    imported = module.dag.tasks[0].kwargs["python_callable"](
        dag_run=types.SimpleNamespace(conf={"bucket": "pcdk-backups", "prefix": prefix}))
    assert imported["tables"]["dag_run"] == {"inserted": 4}
    assert imported["restored"] == 4 and imported["missingDags"] == 0
    assert Fernet(keys["B"]).decrypt(next(r for r in rows(target, "connection")
                                          if r["conn_id"] == "warehouse_db")["password"].encode()).decode() == \
        SECRETS["conn_password"]
    for secret in SECRETS.values():
        assert secret not in caplog.text and secret not in repr(result) and secret not in repr(imported)


def test_the_export_callable_refuses_a_bad_conf(stand_in_airflow, source, keys):
    stand_in_airflow.update(engine=source, fernet=Fernet(keys["A"]))
    export = load("pcdk_export").dag.tasks[0].kwargs["python_callable"]
    before = paused_states(source)
    with pytest.raises(Exception, match="kmsKeyArn must be a KMS key ARN"):
        export(dag_run=types.SimpleNamespace(conf={"bucket": "pcdk-backups", "prefix": "backups/x/1/"}))
    assert paused_states(source) == before and stand_in_airflow["s3"].calls == []


def test_the_export_callable_refuses_airflow_3(stand_in_airflow, source, keys):
    stand_in_airflow.update(engine=source, fernet=Fernet(keys["A"]), version="3.0.6")
    export = load("pcdk_export").dag.tasks[0].kwargs["python_callable"]
    with pytest.raises(Exception, match="Airflow 3"):
        export(dag_run=types.SimpleNamespace(conf={"bucket": "pcdk-backups", "prefix": "backups/x/1/",
                                                   "kmsKeyArn": KMS}))
    assert stand_in_airflow["s3"].calls == []
