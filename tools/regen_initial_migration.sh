#!/usr/bin/env bash
# Regenerate migration 0001 from db/models.py while nothing has been released yet (no installation holds data
# in an earlier schema). Later migrations (0002+) are kept and must not depend on 0001's details.
# Once a release exists, add new migrations with `alembic revision --autogenerate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
mv db/migrations/versions/0001_initial.py "$tmp/"
find db/migrations/versions -name '0*.py' ! -name '0001_*' -exec mv {} "$tmp/" \;
DATABASE_URL="sqlite:///$tmp/gen.db" alembic revision --autogenerate \
  -m "initial schema: the whole domain of DESIGN.md §3" --rev-id 0001 >/dev/null
mv db/migrations/versions/0001_initial_schema_the_whole_domain_of_.py db/migrations/versions/0001_initial.py
sed -i 's/^Revises: $/Revises: (none)/' db/migrations/versions/0001_initial.py
find "$tmp" -name '0*.py' ! -name '0001_*' -exec mv {} db/migrations/versions/ \;
ruff format -q db/migrations/versions/ && ruff check --fix -q db/migrations/versions/
rm -rf "$tmp"
echo "regenerated db/migrations/versions/0001_initial.py"
