#!/bin/sh
# Forward migration of a seeded database made by an earlier release (the commit given as
# argument), on SQLite and PostgreSQL: row counts of every table before and after,
# the triggers, content type ids (moved models keep theirs), every live page and its editor
# rendered. Run from the checkout's root:
#   sh tests/migration_check/forward_check.sh [commit]
set -eu
NEW=$(pwd); T=$NEW/tests/migration_check; OLD=/tmp/lms_forward_old; OUT=/tmp/lms_forward_snapshots
SHA=${1:?"give the commit of the release to migrate from, e.g. the last release's tag or commit"}
mkdir -p $OUT
rm -rf $OLD; git -C "$NEW" worktree prune
git -C "$NEW" worktree add --detach $OLD "$SHA"; ln -s "$NEW/.venv" $OLD/.venv
(cd $OLD && for l in de en; do msgfmt -o locale/$l/LC_MESSAGES/django.mo locale/$l/LC_MESSAGES/django.po; done)
for DB in sqlite:////tmp/lms_forward_old.sqlite3 postgres://postgres@127.0.0.1:5432/bootcamp_forward_old; do
  case $DB in
    sqlite*) rm -f /tmp/lms_forward_old.sqlite3; NAME=sqlite ;;
    *) dropdb -h 127.0.0.1 -U postgres --if-exists bootcamp_forward_old
       createdb -h 127.0.0.1 -U postgres bootcamp_forward_old; NAME=pg ;;
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
