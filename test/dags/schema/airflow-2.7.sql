-- Airflow 2.7 metadata tables the bundled DAGs (pcdk_export, pcdk_import) read or write, as SQLite DDL.
-- Written for the DAG logic tests from the 2.7.x ORM models and the migrations reference
-- (airflow.apache.org/docs/apache-airflow/2.7.0/migrations-ref.html); names of keys and constraints as
-- Airflow creates them. Only these tables and their columns: the DAGs reflect the schema at run time, so a
-- column they do not know is copied as well, and one they need but the target lacks is reported.
-- Column drift to 2.10 is in airflow-2.10.sql (header there).

CREATE TABLE log_template (
	id INTEGER NOT NULL,
	filename TEXT NOT NULL,
	elasticsearch_id TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	CONSTRAINT log_template_pkey PRIMARY KEY (id)
);

CREATE TABLE dag (
	dag_id VARCHAR(250) NOT NULL,
	root_dag_id VARCHAR(250),
	is_paused BOOLEAN,
	is_subdag BOOLEAN,
	is_active BOOLEAN,
	last_parsed_time TIMESTAMP,
	last_pickled TIMESTAMP,
	last_expired TIMESTAMP,
	scheduler_lock BOOLEAN,
	pickle_id INTEGER,
	fileloc VARCHAR(2000),
	processor_subdir VARCHAR(2000),
	owners VARCHAR(2000),
	description TEXT,
	default_view VARCHAR(25),
	schedule_interval TEXT,
	timetable_description VARCHAR(1000),
	max_active_tasks INTEGER NOT NULL,
	max_active_runs INTEGER,
	has_task_concurrency_limits BOOLEAN NOT NULL,
	has_import_errors BOOLEAN DEFAULT '0',
	next_dagrun TIMESTAMP,
	next_dagrun_data_interval_start TIMESTAMP,
	next_dagrun_data_interval_end TIMESTAMP,
	next_dagrun_create_after TIMESTAMP,
	CONSTRAINT dag_pkey PRIMARY KEY (dag_id)
);
CREATE INDEX idx_root_dag_id ON dag (root_dag_id);
CREATE INDEX idx_next_dagrun_create_after ON dag (next_dagrun_create_after);

CREATE TABLE dag_run (
	id INTEGER NOT NULL,
	dag_id VARCHAR(250) NOT NULL,
	queued_at TIMESTAMP,
	execution_date TIMESTAMP NOT NULL,
	start_date TIMESTAMP,
	end_date TIMESTAMP,
	state VARCHAR(50),
	run_id VARCHAR(250) NOT NULL,
	creating_job_id INTEGER,
	external_trigger BOOLEAN,
	run_type VARCHAR(50) NOT NULL,
	conf BLOB,
	data_interval_start TIMESTAMP,
	data_interval_end TIMESTAMP,
	last_scheduling_decision TIMESTAMP,
	dag_hash VARCHAR(32),
	log_template_id INTEGER,
	updated_at TIMESTAMP,
	CONSTRAINT dag_run_pkey PRIMARY KEY (id),
	CONSTRAINT dag_run_dag_id_execution_date_key UNIQUE (dag_id, execution_date),
	CONSTRAINT dag_run_dag_id_run_id_key UNIQUE (dag_id, run_id),
	CONSTRAINT task_instance_log_template_id_fkey FOREIGN KEY (log_template_id) REFERENCES log_template (id)
);
CREATE INDEX dag_id_state ON dag_run (dag_id, state);
CREATE INDEX idx_dag_run_dag_id ON dag_run (dag_id);
CREATE INDEX idx_last_scheduling_decision ON dag_run (last_scheduling_decision);

CREATE TABLE "trigger" (
	id INTEGER NOT NULL,
	classpath VARCHAR(1000) NOT NULL,
	kwargs JSON NOT NULL,
	created_date TIMESTAMP NOT NULL,
	triggerer_id INTEGER,
	CONSTRAINT trigger_pkey PRIMARY KEY (id)
);

CREATE TABLE task_instance (
	task_id VARCHAR(250) NOT NULL,
	dag_id VARCHAR(250) NOT NULL,
	run_id VARCHAR(250) NOT NULL,
	map_index INTEGER DEFAULT -1 NOT NULL,
	start_date TIMESTAMP,
	end_date TIMESTAMP,
	duration FLOAT,
	state VARCHAR(20),
	try_number INTEGER,
	max_tries INTEGER DEFAULT -1,
	hostname VARCHAR(1000),
	unixname VARCHAR(1000),
	job_id INTEGER,
	pool VARCHAR(256) NOT NULL,
	pool_slots INTEGER NOT NULL,
	queue VARCHAR(256),
	priority_weight INTEGER,
	operator VARCHAR(1000),
	custom_operator_name VARCHAR(1000),
	queued_dttm TIMESTAMP,
	queued_by_job_id INTEGER,
	pid INTEGER,
	executor_config BLOB,
	updated_at TIMESTAMP,
	external_executor_id VARCHAR(250),
	trigger_id INTEGER,
	trigger_timeout TIMESTAMP,
	next_method VARCHAR(1000),
	next_kwargs JSON,
	CONSTRAINT task_instance_pkey PRIMARY KEY (dag_id, task_id, run_id, map_index),
	CONSTRAINT task_instance_trigger_id_fkey FOREIGN KEY (trigger_id) REFERENCES "trigger" (id) ON DELETE CASCADE,
	CONSTRAINT task_instance_dag_run_fkey FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id) ON DELETE CASCADE
);
CREATE INDEX ti_dag_state ON task_instance (dag_id, state);
CREATE INDEX ti_dag_run ON task_instance (dag_id, run_id);
CREATE INDEX ti_state ON task_instance (state);
CREATE INDEX ti_state_lkp ON task_instance (dag_id, task_id, run_id, state);
CREATE INDEX ti_pool ON task_instance (pool, state, priority_weight);
CREATE INDEX ti_job_id ON task_instance (job_id);
CREATE INDEX ti_trigger_id ON task_instance (trigger_id);

CREATE TABLE task_fail (
	id INTEGER NOT NULL,
	task_id VARCHAR(250) NOT NULL,
	dag_id VARCHAR(250) NOT NULL,
	run_id VARCHAR(250) NOT NULL,
	map_index INTEGER DEFAULT -1 NOT NULL,
	start_date TIMESTAMP,
	end_date TIMESTAMP,
	duration INTEGER,
	CONSTRAINT task_fail_pkey PRIMARY KEY (id),
	CONSTRAINT task_fail_ti_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE
);
CREATE INDEX idx_task_fail_task_instance ON task_fail (dag_id, task_id, run_id, map_index);

CREATE TABLE xcom (
	dag_run_id INTEGER NOT NULL,
	task_id VARCHAR(250) NOT NULL,
	map_index INTEGER DEFAULT -1 NOT NULL,
	"key" VARCHAR(512) NOT NULL,
	dag_id VARCHAR(250) NOT NULL,
	run_id VARCHAR(250) NOT NULL,
	value BLOB,
	timestamp TIMESTAMP NOT NULL,
	CONSTRAINT xcom_pkey PRIMARY KEY (dag_run_id, task_id, map_index, "key"),
	CONSTRAINT xcom_task_instance_fkey FOREIGN KEY (dag_id, task_id, run_id, map_index) REFERENCES task_instance (dag_id, task_id, run_id, map_index) ON DELETE CASCADE
);
CREATE INDEX idx_xcom_key ON xcom ("key");
CREATE INDEX idx_xcom_task_instance ON xcom (dag_id, task_id, run_id, map_index);

CREATE TABLE log (
	id INTEGER NOT NULL,
	dttm TIMESTAMP,
	dag_id VARCHAR(250),
	task_id VARCHAR(250),
	map_index INTEGER,
	event VARCHAR(30),
	execution_date TIMESTAMP,
	owner VARCHAR(500),
	extra TEXT,
	CONSTRAINT log_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_log_dag ON log (dag_id);
CREATE INDEX idx_log_dttm ON log (dttm);
CREATE INDEX idx_log_event ON log (event);

CREATE TABLE slot_pool (
	id INTEGER NOT NULL,
	pool VARCHAR(256),
	slots INTEGER,
	description TEXT,
	include_deferred BOOLEAN NOT NULL,
	CONSTRAINT slot_pool_pkey PRIMARY KEY (id),
	CONSTRAINT slot_pool_pool_uq UNIQUE (pool)
);

CREATE TABLE connection (
	id INTEGER NOT NULL,
	conn_id VARCHAR(250) NOT NULL,
	conn_type VARCHAR(500) NOT NULL,
	description TEXT,
	host VARCHAR(500),
	schema VARCHAR(500),
	login VARCHAR(500),
	password VARCHAR(5000),
	port INTEGER,
	is_encrypted BOOLEAN,
	is_extra_encrypted BOOLEAN,
	extra TEXT,
	CONSTRAINT connection_pkey PRIMARY KEY (id),
	CONSTRAINT connection_conn_id_uq UNIQUE (conn_id)
);

CREATE TABLE variable (
	id INTEGER NOT NULL,
	"key" VARCHAR(250),
	val TEXT,
	description TEXT,
	is_encrypted BOOLEAN,
	CONSTRAINT variable_pkey PRIMARY KEY (id),
	CONSTRAINT variable_key_uq UNIQUE ("key")
);
