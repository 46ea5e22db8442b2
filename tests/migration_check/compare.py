"""Compare two snapshots (db_snapshot.py): no table may lose rows, the triggers stay,
and the moved models keep their content type rows under the workshops app."""

import json
import sys
from pathlib import Path

old, new = (json.loads(Path(path).read_text()) for path in sys.argv[1:3])
lost = {
    table: (count, new["counts"].get(table))
    for table, count in old["counts"].items()
    if new["counts"].get(table, -1) < count
}
changed = {
    table: (old["counts"].get(table), count)
    for table, count in new["counts"].items()
    if old["counts"].get(table) != count
}
old_rows, new_rows = sum(old["counts"].values()), sum(new["counts"].values())
print(f"tables {len(old['counts'])} -> {len(new['counts'])}, rows {old_rows} -> {new_rows}")
print("changed counts:", changed)
print("triggers kept:", old["triggers"] == new["triggers"])
print("content types:", old["content_types"], "->", new["content_types"])
kept_ids = all(
    new["content_types"].get(f"workshops.{key.split('.')[1]}") == pk
    for key, pk in old["content_types"].items()
)
no_courses_rows = not any(key.startswith("courses.") for key in new["content_types"])
ok = not lost and old["triggers"] == new["triggers"] and kept_ids and no_courses_rows
if lost:
    print("LOST:", lost)
print("OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
