"""PostgreSQL: the search index's weighted tsvector stored once per row, with a GIN index.

Wagtail's index rows hold a title and a body tsvector (the segmented text, weighted by each
field's boost); the query matches their concatenation, which no index covers. A generated
column keeps ``title || body`` in step with every insert and upsert the index makes, and its
GIN index turns the match into an index lookup (see ``cms.search.backends.postgres``).
Nothing to do on other databases.
"""

from django.db import migrations

COLUMN = "kepu_vector"
INDEX = "kepu_search_vector_gin"


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


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table(apps))} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [migrations.RunPython(add_vector, drop_vector)]
