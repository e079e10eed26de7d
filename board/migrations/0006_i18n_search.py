"""Card.search: each card's title and description as the filter compares them (board.search)."""

from django.db import migrations, models

from board.search import card_text

BATCH = 500


def fill(apps, schema_editor):
    Card = apps.get_model("board", "Card")
    cards = Card.objects.using(schema_editor.connection.alias).only("id", "title", "description").order_by("id")
    last = 0
    while True:
        batch = list(cards.filter(id__gt=last)[:BATCH])
        if not batch:
            return
        for card in batch:
            card.search = card_text(card.title, card.description)
        Card.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search"])
        last = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("board", "0005_profile")]

    operations = [
        migrations.AddField(
            model_name="card", name="search", field=models.TextField(blank=True, default="", editable=False)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
