"""Classifier models no longer keep excerpts of corrected reviews, and no review shows another
review's words as evidence: the stored models lose their excerpts, and the evidence a model's
memory of corrections gave ("≈ " and the other review's first 30 characters) is removed."""

import io

import numpy as np
from django.db import migrations

MEMORY_MARK = "≈ "


def forward(apps, schema_editor):
    ClassifierModel = apps.get_model("reviews", "ClassifierModel")
    Review = apps.get_model("reviews", "Review")
    for model in ClassifierModel.objects.only("pk", "artifact").iterator():
        try:
            with np.load(io.BytesIO(bytes(model.artifact)), allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
        except (ValueError, OSError, KeyError):
            continue  # not a model (the store falls back to the base model for it)
        labels = arrays.get("memory_labels")
        if labels is None:
            continue
        arrays["memory_labels"] = np.array(
            ["\t".join(label.split("\t")[:3]) for label in labels.tolist()], dtype=str
        )
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        ClassifierModel.objects.filter(pk=model.pk).update(artifact=buf.getvalue())
    # Only a shop's own model (version "shop<id>-…") has a memory of corrections.
    reviews = Review.objects.filter(model_version__startswith="shop").only("pk", "evidence")
    for review in reviews.iterator():
        evidence = review.evidence if isinstance(review.evidence, list) else []
        kept = [e for e in evidence if not (isinstance(e, str) and e.startswith(MEMORY_MARK))]
        if kept != evidence:
            Review.objects.filter(pk=review.pk).update(evidence=kept)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0011_event_kinds")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
