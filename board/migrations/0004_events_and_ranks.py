"""Activity rows become structured events; positions become gapped ranks."""

from django.db import migrations, models

STEP = 1 << 16  # services.ranks.STEP when this migration was written


def text_to_data(apps, schema_editor):
    # Lines written before events were data keep their English text, shown as it was.
    Activity = apps.get_model("board", "Activity")
    for activity in Activity.objects.only("pk", "verb", "text").iterator():
        Activity.objects.filter(pk=activity.pk).update(
            kind="legacy", data={"verb": activity.verb, "text": activity.text}
        )


def data_to_text(apps, schema_editor):
    Activity = apps.get_model("board", "Activity")
    for activity in Activity.objects.only("pk", "kind", "data").iterator():
        text = activity.data.get("text") or activity.kind
        Activity.objects.filter(pk=activity.pk).update(verb=activity.kind[:20], text=text[:600])


def spread_ranks(apps, schema_editor):
    Card, Pipeline = apps.get_model("board", "Card"), apps.get_model("board", "Pipeline")
    for board_id in Pipeline.objects.values_list("board_id", flat=True).distinct():
        rows = list(Pipeline.objects.filter(board_id=board_id).order_by("position", "id"))
        for index, row in enumerate(rows, 1):
            row.position = index * STEP
        Pipeline.objects.bulk_update(rows, ["position"], batch_size=500)
    for pipeline_id in Pipeline.objects.values_list("pk", flat=True):
        rows = list(Card.objects.filter(pipeline_id=pipeline_id).order_by("position", "id").only("pk", "position"))
        for index, row in enumerate(rows, 1):
            row.position = index * STEP
        Card.objects.bulk_update(rows, ["position"], batch_size=500)


def squeeze_ranks(apps, schema_editor):
    Card, Pipeline = apps.get_model("board", "Card"), apps.get_model("board", "Pipeline")
    for model, parent in ((Pipeline, "board_id"), (Card, "pipeline_id")):
        for parent_id in model.objects.values_list(parent, flat=True).distinct():
            rows = list(model.objects.filter(**{parent: parent_id}).order_by("position", "id").only("pk", "position"))
            for index, row in enumerate(rows):
                row.position = index
            model.objects.bulk_update(rows, ["position"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("board", "0003_card_rev")]

    operations = [
        migrations.AddField(model_name="activity", name="kind", field=models.CharField(default="", max_length=40)),
        migrations.AddField(model_name="activity", name="data", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(
            model_name="activity", name="version", field=models.PositiveBigIntegerField(default=0)
        ),
        migrations.RunPython(text_to_data, data_to_text),
        migrations.AlterField(model_name="activity", name="kind", field=models.CharField(max_length=40)),
        migrations.RemoveField(model_name="activity", name="verb"),
        migrations.RemoveField(model_name="activity", name="text"),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["board", "version"], name="board_activ_board_version_idx"),
        ),
        migrations.AlterField(model_name="card", name="position", field=models.BigIntegerField(default=0)),
        migrations.AlterField(model_name="pipeline", name="position", field=models.BigIntegerField(default=0)),
        migrations.RunPython(spread_ranks, squeeze_ranks),
    ]
