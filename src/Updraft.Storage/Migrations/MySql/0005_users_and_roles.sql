-- Users and roles for the REST API and UI (Airflow's FAB model): a role holds permissions, each an action
-- (can_read, can_edit, can_create, can_delete, menu_access) on a resource ("DAGs", "DAG Runs", "Variables", … or one
-- DAG as "DAG:<dag_id>"); a user holds roles. The built-in roles are added by the migrator after this step.
CREATE TABLE updraft_role (
    name VARCHAR(250) NOT NULL PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

-- Widths: a role name as updraft_role, an action as Airflow's (100), a resource up to 400 ("DAG:" and a 250-character
-- DAG id fit), together within InnoDB's 3,072-byte key limit.
CREATE TABLE updraft_role_permission (
    role VARCHAR(250) NOT NULL,
    action VARCHAR(100) NOT NULL,
    resource VARCHAR(400) NOT NULL,
    PRIMARY KEY (role, action, resource)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};

CREATE TABLE updraft_user_role (
    username VARCHAR(250) NOT NULL,
    role VARCHAR(250) NOT NULL,
    PRIMARY KEY (username, role)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation};
CREATE INDEX updraft_user_role_role ON updraft_user_role (role);

-- MySQL allows a TEXT column only an expression default, hence ('').
ALTER TABLE updraft_user ADD COLUMN first_name TEXT NOT NULL DEFAULT ('');
ALTER TABLE updraft_user ADD COLUMN last_name TEXT NOT NULL DEFAULT ('');
ALTER TABLE updraft_user ADD COLUMN email TEXT NOT NULL DEFAULT ('');
ALTER TABLE updraft_user ADD COLUMN active INT NOT NULL DEFAULT 1;
ALTER TABLE updraft_user ADD COLUMN last_login BIGINT;
ALTER TABLE updraft_user ADD COLUMN login_count INT NOT NULL DEFAULT 0;
ALTER TABLE updraft_user ADD COLUMN fail_login_count INT NOT NULL DEFAULT 0;

-- The single role column becomes the first of a user's roles.
INSERT INTO updraft_user_role (username, role) SELECT username, role FROM updraft_user;
ALTER TABLE updraft_user DROP COLUMN role;
