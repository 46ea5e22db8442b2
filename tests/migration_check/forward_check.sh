#!/bin/sh
# Forward migration of a seeded database made by main's commit (or $1), on SQLite and
# PostgreSQL: row counts of every table before and after, seat triggers, content type
# ids of the moved models, and the workshop pages rendered. Run from the branch's root:
#   sh tests/migration_check/forward_check.sh [commit]
set -eu
NEW=$(pwd); T=$NEW/tests/migration_check; OLD=/tmp/h1_old; OUT=/tmp/h1_snapshots
SHA=${1:-$(git -C /work/main rev-parse HEAD)}
mkdir -p $OUT
[ -d $OLD ] || { git -C "$NEW" worktree add --detach $OLD "$SHA"; ln -s "$NEW/.venv" $OLD/.venv; }
for DB in sqlite:////tmp/h1_old.sqlite3 postgres://postgres@127.0.0.1:5432/bootcamp_h1_old; do
  case $DB in
    sqlite*) rm -f /tmp/h1_old.sqlite3; NAME=sqlite ;;
    *) dropdb -h 127.0.0.1 -U postgres --if-exists bootcamp_h1_old
       createdb -h 127.0.0.1 -U postgres bootcamp_h1_old; NAME=pg ;;
  esac
  export DATABASE_URL=$DB
  (cd $OLD && .venv/bin/python manage.py migrate --noinput -v0 \
     && .venv/bin/python manage.py seed_bootcamp >/dev/null \
     && SNAPSHOT=$OUT/$NAME-old.json .venv/bin/python manage.py shell -c "exec(open('$T/db_snapshot.py').read())")
  .venv/bin/python manage.py migrate --noinput | grep -E "Applying" || true
  SNAPSHOT=$OUT/$NAME-new.json .venv/bin/python manage.py shell -c "exec(open('$T/db_snapshot.py').read())"
  .venv/bin/python $T/compare.py $OUT/$NAME-old.json $OUT/$NAME-new.json
  .venv/bin/python manage.py shell -c "exec(open('$T/render.py').read())"
done
