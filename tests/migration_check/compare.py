"""Compare two snapshots (db_snapshot.py): no table may lose rows, the triggers stay, every
content type id survives (a moved model keeps its row under its new app) and every page keeps
its content type."""

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
triggers_kept = set(old["triggers"]) <= set(new["triggers"])
print("triggers kept:", triggers_kept)
gone_types = {
    pk: label for pk, label in old["content_types"].items() if pk not in new["content_types"]
}
relabelled = {
    f"{label} -> {new['content_types'][pk]}"
    for pk, label in old["content_types"].items()
    if pk in new["content_types"] and new["content_types"][pk] != label
}
print("content types relabelled:", sorted(relabelled))
pages_kept = old["pages"] == {pk: ct for pk, ct in new["pages"].items() if pk in old["pages"]}
print("pages keep their content types:", pages_kept)
# Stale content types with nothing pointing at them may go; the ones pages use may not.
used = set(map(str, old["pages"].values()))
gone_used = {pk: label for pk, label in gone_types.items() if pk in used}
if gone_types:
    print("content types removed:", gone_types)
ok = not lost and triggers_kept and pages_kept and not gone_used
if lost:
    print("LOST:", lost)
print("OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
