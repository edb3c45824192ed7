"""manage.py check_matrix [--system SLUG]: the consistency report; exit status 1 when there are problems."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from functions.selectors import PROBLEM_KINDS, matrix_problems

from ._common import get_system


class Command(BaseCommand):
    help = (
        "Report functions without exactly one owner, functions influenced by or supporting their own owning "
        "level, duplicate titles and bodies no function uses."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--system", help="Only this system (slug); default all.")

    def handle(self, *args: Any, **options: Any) -> None:
        system = get_system(options["system"]) if options["system"] else None
        problems = matrix_problems(system=system)
        for kind, heading in PROBLEM_KINDS.items():
            found = [p for p in problems if p.kind == kind]
            self.stdout.write(f"{heading}: {len(found) or 'none'}")
            for problem in found:
                self.stdout.write(f"  - {problem.message}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the function matrix.")
        self.stdout.write(self.style.SUCCESS("The function matrix is consistent."))
