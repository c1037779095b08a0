#!/bin/bash
# First start: create the data directory, then set the root password, database and user from
# MYSQL_* variables on a private server, as the official mysql image does; then serve.
set -euo pipefail

server_args=(--user=mysql --datadir=/var/lib/mysql --bind-address=0.0.0.0 --port=3306
             --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci)

if [ "${1:-}" != "mariadbd" ]; then
    exec "$@"
fi

if [ ! -d /var/lib/mysql/mysql ]; then
    : "${MYSQL_ROOT_PASSWORD:?MYSQL_ROOT_PASSWORD must be set on first start}"
    echo "Initializing database"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal >/dev/null
    mariadbd "${server_args[@]}" --skip-networking --socket=/run/mysqld/init.sock &
    pid=$!
    for _ in $(seq 60); do
        mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break
        sleep 0.5
    done
    sql() { mariadb --protocol=socket --socket=/run/mysqld/init.sock -uroot "$@"; }
    {
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD}';"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD}';"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        if [ -n "${MYSQL_DATABASE:-}" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;"
        fi
        if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
            echo "CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}';"
            if [ -n "${MYSQL_DATABASE:-}" ]; then
                echo "GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | sql
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sql) echo "Running $script"; sql -p"${MYSQL_ROOT_PASSWORD}" "${MYSQL_DATABASE:-mysql}" < "$script" ;;
            *.sh) echo "Running $script"; . "$script" ;;
        esac
    done
    kill "$pid"
    wait "$pid"
    echo "Database initialized"
fi

exec mariadbd "${server_args[@]}"
