-- Users and roles for the REST API and UI (Airflow's FAB model): a role holds permissions, each an action
-- (can_read, can_edit, can_create, can_delete, menu_access) on a resource ("DAGs", "DAG Runs", "Variables", … or one
-- DAG as "DAG:<dag_id>"); a user holds roles. The built-in roles are added by the migrator after this step.
CREATE TABLE updraft_role (
    name TEXT PRIMARY KEY
);

CREATE TABLE updraft_role_permission (
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    PRIMARY KEY (role, action, resource)
);

CREATE TABLE updraft_user_role (
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (username, role)
);
CREATE INDEX updraft_user_role_role ON updraft_user_role (role);

ALTER TABLE updraft_user ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE updraft_user ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE updraft_user ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE updraft_user ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE updraft_user ADD COLUMN last_login BIGINT;
ALTER TABLE updraft_user ADD COLUMN login_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE updraft_user ADD COLUMN fail_login_count INTEGER NOT NULL DEFAULT 0;

-- The single role column becomes the first of a user's roles.
INSERT INTO updraft_user_role (username, role) SELECT username, role FROM updraft_user;
ALTER TABLE updraft_user DROP COLUMN role;
