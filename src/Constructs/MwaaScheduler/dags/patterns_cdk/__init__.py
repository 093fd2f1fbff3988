"""Patterns.Cdk MwaaScheduler: the DAGs pcdk_export and pcdk_import and their logic (metadata_backup).

Deployed by the MwaaScheduler construct to <DagFolder>/patterns_cdk/ (never touching the user's DAGs). The
environment's pause/resume workflows trigger these DAGs through the Airflow REST API; they are not meant to be run
by hand, though a manual run with the same conf works.
"""
