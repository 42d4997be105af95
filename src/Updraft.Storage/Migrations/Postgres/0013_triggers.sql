-- Triggers deferred tasks wait on (Airflow's trigger table; named triggers because TRIGGER is reserved in MySQL):
-- the trigger's .NET type and its arguments as JSON, and the triggerer job running it (null: not claimed yet).
CREATE TABLE triggers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    classpath TEXT NOT NULL,
    kwargs TEXT NOT NULL,
    created_date BIGINT NOT NULL,
    triggerer_id BIGINT
);

CREATE INDEX triggers_triggerer ON triggers (triggerer_id);

-- A deferred task instance: the trigger it waits on, when the wait times out, and where it resumes (the method, the
-- values it handed itself, and the event the trigger fired with). Kept through the resumed run of the same try.
ALTER TABLE task_instance ADD COLUMN trigger_id BIGINT;
ALTER TABLE task_instance ADD COLUMN trigger_timeout BIGINT;
ALTER TABLE task_instance ADD COLUMN next_method TEXT;
ALTER TABLE task_instance ADD COLUMN next_kwargs TEXT;
ALTER TABLE task_instance ADD COLUMN next_event TEXT;

CREATE INDEX task_instance_trigger ON task_instance (trigger_id);
CREATE INDEX task_instance_deferred ON task_instance (state, trigger_timeout);
