"""Train the claim check's statistical layer and write the model file the check reads."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.moderation.checks.claim_corpus import CorpusError, LabelledSentence, medquad_background, read_corpus
from cms.moderation.checks.claim_model import DEFAULT_MODEL_PATH, ClaimModel
from cms.moderation.claim_training import train_claim_model
from cms.moderation.configuration import claim_rule_set
from cms.moderation.models import ClaimExample

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests" / "data" / "claims" / "dev.tsv"


class Command(BaseCommand):
    help = (
        "Train the statistical claim model on the development corpus, the examples editors' approvals recorded "
        "and (optionally) background sentences from MedQuAD; write it as JSON. Never give it a blind slice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--corpus", type=Path, action="append", help=f"labelled TSV file(s); default {DEFAULT_CORPUS}"
        )
        parser.add_argument("--medquad", type=Path, help="MedQuAD JSONL(.gz): every 25th record as legitimate English")
        parser.add_argument("--no-editor-examples", action="store_true", help="leave out the ClaimExample rows")
        parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
        parser.add_argument("--model-version", default="", help="model version written into the file")
        parser.add_argument("--max-false-alarm-rate", type=float, default=0.003)
        parser.add_argument("--min-threshold", type=float, default=0.9)

    def handle(self, *args, **options):
        corpora = options["corpus"] or [DEFAULT_CORPUS]
        if any("blind" in path.name for path in corpora):
            raise CommandError("a blind slice is scored, never trained on (see tests/data/claims/README.md)")
        sentences: list[LabelledSentence] = []
        try:
            for path in corpora:
                sentences += read_corpus(path)
        except (OSError, CorpusError) as error:
            raise CommandError(str(error)) from error
        if options["medquad"]:
            sentences += medquad_background(options["medquad"])
        editor_examples = 0
        if not options["no_editor_examples"]:
            for example in ClaimExample.objects.order_by("id"):
                sentences.append(
                    LabelledSentence(
                        text=example.text,
                        language=example.language,
                        violation=example.label == "violation",
                        category=example.category if example.label == "violation" else "",
                        source=f"example:{example.pk}",
                    )
                )
                editor_examples += 1
        rules = claim_rule_set()
        version = options["model_version"] or rules.fingerprint[:8]
        try:
            data = train_claim_model(
                sentences,
                rules,
                version=version,
                max_false_alarm_rate=options["max_false_alarm_rate"],
                min_threshold=options["min_threshold"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        ClaimModel.from_json_data(data)  # what the check will read must load
        options["output"].write_text(
            json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        self.stdout.write(
            f"Trained on {len(sentences)} sentences ({data['trained_on']['violations']} violations, "
            f"{editor_examples} from editors' decisions); thresholds {data['thresholds']}; wrote {options['output']}"
        )
