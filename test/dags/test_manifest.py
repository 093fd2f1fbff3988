"""A partial or altered export is caught by the manifest check, and the import refuses it."""
import hashlib
import json

import pytest

from conftest import paused_states, rows
from patterns_cdk import metadata_backup as mb


@pytest.fixture
def backup(source, fernet_a, backup_dir):
    mb.export_metadata(source, mb.LocalDirectoryStorage(str(backup_dir)), fernet_a, airflow_version="2.7.2")
    return backup_dir


def storage(path):
    return mb.LocalDirectoryStorage(str(path))


def edit_manifest(backup_dir, change):
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    change(manifest)
    (backup_dir / "manifest.json").write_text(json.dumps(manifest))


def entry(manifest, table):
    return next(f for f in manifest["files"] if f["table"] == table)


def test_a_whole_backup_has_no_problem(backup):
    assert mb.check_manifest(storage(backup)) == []


def test_missing_file(backup):
    (backup / "metadata" / "xcom.jsonl").unlink()
    assert mb.check_manifest(storage(backup)) == ["metadata/xcom.jsonl: missing"]


def test_missing_manifest(backup):
    (backup / "manifest.json").unlink()
    assert mb.check_manifest(storage(backup)) == ["manifest.json not found (the export did not finish)"]


def test_truncated_file(backup):
    path = backup / "metadata" / "task_instance.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    problems = mb.check_manifest(storage(backup))
    assert problems == [
        f"metadata/task_instance.jsonl: {len(data) - 40} bytes, manifest says {len(data)}",
        "metadata/task_instance.jsonl: SHA-256 differs from the manifest",
        "metadata/task_instance.jsonl: line 8 is not a JSON object with the manifest's columns"]


def test_truncated_at_a_line_end(backup):
    path = backup / "metadata" / "dag_run.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))
    problems = mb.check_manifest(storage(backup))
    assert "metadata/dag_run.jsonl: 3 rows, manifest says 4" in problems
    assert "metadata/dag_run.jsonl: SHA-256 differs from the manifest" in problems


def test_changed_content_same_size(backup):
    path = backup / "secrets" / "variable.jsonl"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"hello", b"HELLO"))
    assert mb.check_manifest(storage(backup)) == ["secrets/variable.jsonl: SHA-256 differs from the manifest"]


def test_checksum_changed_in_the_manifest(backup):
    edit_manifest(backup, lambda m: entry(m, "log").update(sha256="0" * 64))
    assert mb.check_manifest(storage(backup)) == ["metadata/log.jsonl: SHA-256 differs from the manifest"]


def test_row_count_wrong(backup):
    edit_manifest(backup, lambda m: entry(m, "xcom").update(rows=4))
    assert mb.check_manifest(storage(backup)) == ["metadata/xcom.jsonl: 3 rows, manifest says 4"]


def test_required_table_missing_from_the_manifest(backup):
    edit_manifest(backup, lambda m: m["files"].remove(entry(m, "task_fail")))
    assert mb.check_manifest(storage(backup)) == ["table task_fail missing from the manifest"]


def test_columns_that_do_not_match_the_lines(backup):
    edit_manifest(backup, lambda m: entry(m, "slot_pool")["columns"].append("team"))
    assert mb.check_manifest(storage(backup)) == [
        "metadata/slot_pool.jsonl: line 1 is not a JSON object with the manifest's columns"]


def test_empty_required_tables(backup):
    for table in ("dag_state", "slot_pool"):
        (backup / "metadata" / f"{table}.jsonl").write_bytes(b"")
    empty = hashlib.sha256(b"").hexdigest()

    def change(m):
        for table in ("dag_state", "slot_pool"):
            entry(m, table).update(rows=0, bytes=0, sha256=empty)
        m["dagCount"] = 0

    edit_manifest(backup, change)
    assert mb.check_manifest(storage(backup)) == [
        "metadata/slot_pool.jsonl: empty (a backup always has rows in slot_pool)",
        "metadata/dag_state.jsonl: empty (a backup always has rows in dag_state)"]


def test_dag_count_must_match_dag_state(backup):
    edit_manifest(backup, lambda m: m.update(dagCount=5))
    assert mb.check_manifest(storage(backup)) == ["dagCount 5 differs from the rows of dag_state (4)"]


@pytest.mark.parametrize("change,problem", [
    (lambda m: m.update(format="other/1"), "format is 'other/1', expected 'patterns-cdk-mwaa-backup/1'"),
    (lambda m: entry(m, "connection").update(secret=False), "files[7] (secrets/connection.jsonl): secret must be true"),
    (lambda m: entry(m, "xcom").update(path="../xcom.jsonl"),
     "files[5]: path '../xcom.jsonl' for table 'xcom', expected 'metadata/xcom.jsonl'"),
    (lambda m: m["files"].append(dict(entry(m, "log"))), "metadata/log.jsonl: listed twice"),
    (lambda m: m.pop("files"), "files missing"),
])
def test_manifest_shape(backup, change, problem):
    edit_manifest(backup, change)
    assert problem in mb.check_manifest(storage(backup))


def test_import_refuses_a_backup_that_does_not_match(backup, target, fernet_b):
    (backup / "metadata" / "xcom.jsonl").unlink()
    before_runs, before_paused = rows(target, "dag_run"), paused_states(target)
    with pytest.raises(mb.BackupInvalid) as info:
        mb.import_metadata(target, storage(backup), fernet_b, wait_for_dags_seconds=0)
    assert info.value.problems == ["metadata/xcom.jsonl: missing"]
    assert rows(target, "dag_run") == before_runs and paused_states(target) == before_paused


def test_import_refuses_a_backup_without_manifest(backup, target, fernet_b):
    (backup / "manifest.json").unlink()
    with pytest.raises(mb.BackupInvalid, match="manifest.json not found"):
        mb.import_metadata(target, storage(backup), fernet_b, wait_for_dags_seconds=0)
