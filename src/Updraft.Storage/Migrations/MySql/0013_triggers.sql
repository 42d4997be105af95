-- Triggers deferred tasks wait on (Airflow's trigger table; named triggers because TRIGGER is reserved in MySQL):
-- the trigger's .NET type and its arguments as JSON, and the triggerer job running it (null: not claimed yet).
CREATE TABLE triggers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    classpath TEXT NOT NULL,
    kwargs LONGTEXT NOT NULL,
    created_date BIGINT NOT NULL,
    triggerer_id BIGINT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE INDEX triggers_triggerer ON triggers (triggerer_id);

-- A deferred task instance: the trigger it waits on, when the wait times out, and where it resumes (the method, the
-- values it handed itself, and the event the trigger fired with). Kept through the resumed run of the same try.
ALTER TABLE task_instance ADD COLUMN trigger_id BIGINT;
ALTER TABLE task_instance ADD COLUMN trigger_timeout BIGINT;
ALTER TABLE task_instance ADD COLUMN next_method TEXT;
ALTER TABLE task_instance ADD COLUMN next_kwargs LONGTEXT;
ALTER TABLE task_instance ADD COLUMN next_event LONGTEXT;

CREATE INDEX task_instance_trigger ON task_instance (trigger_id);
CREATE INDEX task_instance_deferred ON task_instance (state, trigger_timeout);
