"""What the seed's main script read from a task manager: the task rows and the questions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from analytics.scripts.options import Row

ANSWER = "answerTransaction"
BEST_ANSWER = "bestAnswerTransaction"
# (row, transaction label, description), in the seed's order, after the `questions` row.
TRANSACTION_ROWS = [
    ("question reports", "reportQuestionTransaction", "Reports filed against questions"),
    ("can't help", "notAnswerTransaction", "Times a user declined to answer a question"),
    ("answers", ANSWER, "Answers given by users"),
    ("answer reports", "reportAnswerTransaction", "Reports filed against answers"),
    ("approved answers", BEST_ANSWER, "Answers chosen as the best one"),
    ("ask more people", "moreAnswerTransaction", "Times a user asked for more answers"),
]


def task_rows(tasks: list[dict[str, Any]], transactions: list[dict[str, Any]]) -> list[Row]:
    """The seven task rows of the analytics file."""
    labels = Counter(str(t.get("label")) for t in transactions)
    rows: list[Row] = [["questions", len(tasks), "Questions asked by users (tasks created)"]]
    rows += [[name, labels[label], text] for name, label, text in TRANSACTION_ROWS]
    return rows


def question_rows(tasks: list[dict[str, Any]]) -> list[Row]:
    """question, answer: each task's goal and the text of the answer chosen as best (or none)."""
    rows: list[Row] = []
    for task in tasks:
        answers: dict[str, Any] = {}
        chosen = None
        for transaction in task.get("transactions") or []:
            attributes = transaction.get("attributes") or {}
            if transaction.get("label") == ANSWER:
                answers[str(transaction.get("id"))] = attributes.get("answer")
            elif transaction.get("label") == BEST_ANSWER:
                chosen = attributes.get("transactionId")
        goal = (task.get("goal") or {}).get("name")
        rows.append([goal, answers.get(str(chosen)) if chosen else None])
    return rows


def asked_and_answered(
    tasks: list[dict[str, Any]], transactions: list[dict[str, Any]]
) -> tuple[Counter[str], Counter[str]]:
    """Per user: tasks they requested, answers they gave."""
    asked = Counter(str(t.get("requesterId")) for t in tasks)
    answered = Counter(str(t.get("actioneerId")) for t in transactions if t.get("label") == ANSWER)
    return asked, answered
