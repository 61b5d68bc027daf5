"""PostgreSQL: the search index's weighted tsvector stored once per row, with a GIN index.

Wagtail's index rows hold a title and a body tsvector (the segmented text, weighted by each
field's boost); the query matches their concatenation, which no index covers. A generated
column keeps ``title || body`` in step with every insert and upsert the index makes, and its
GIN index turns the match into an index lookup (see ``cms.search.backends.postgres``).

Wagtail's separate GIN indexes on ``title`` and on ``body`` serve no query (the stock
compiler matches the concatenation; the studio's, this column; autocomplete keeps its own
index) and cost as much to write as this one: they are dropped, so an import writes no more
index than before. Reversing the migration puts them back. Nothing to do on other databases.
"""

from django.db import migrations

COLUMN = "kepu_vector"
INDEX = "kepu_search_vector_gin"
UNUSED_INDEXES = {"wagtailsear_title_9caae0_gin": "title", "wagtailsear_body_90c85d_gin": "body"}


def table(apps) -> str:
    return apps.get_model("wagtailsearch", "IndexEntry")._meta.db_table


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name = schema_editor.quote_name(table(apps))
    schema_editor.execute(
        f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        "GENERATED ALWAYS AS (coalesce(title, ''::tsvector) || coalesce(body, ''::tsvector)) STORED"
    )
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {name} USING gin ({COLUMN})")
    for index in UNUSED_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name = schema_editor.quote_name(table(apps))
    for index, column in UNUSED_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {name} USING gin ({column})")
    schema_editor.execute(f"ALTER TABLE {name} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [migrations.RunPython(add_vector, drop_vector)]
