"""`manage.py train_base_model --data DIR`: rebuild the shipped base model
(reviews/classifier/base_model.npz) from DIR's cause_train.tsv and cause_dev.tsv.

Deterministic: the same files give a byte-identical model (fixed folds, lbfgs, sorted
vocabulary, fixed zip dates). The file holds weights and the feature vocabulary, no text.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.classifier import crossval, stacked


class Command(BaseCommand):
    help = "Train the shipped cause model from the labelled TSVs in --data."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, required=True, help="folder with the TSVs")
        parser.add_argument(
            "--out", type=Path, default=stacked.MODEL_FILE, help="where to write the model"
        )

    def handle(self, *args, **options) -> None:
        paths = [options["data"] / name for name in crossval.DATA_FILES]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"missing: {', '.join(missing)}")
        model = crossval.build(paths)
        data = model.to_bytes()
        options["out"].write_bytes(data)
        stacked.set_base(None)  # this process reloads the file it just wrote
        self.stdout.write(
            f"model {model.version}: {len(model.vocab)} features, triage below "
            f"{model.threshold:.3f}, {len(data) // 1024} KiB → {options['out']}"
        )
