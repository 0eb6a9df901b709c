"""Print the README's settings table from the one Settings class (so the two cannot drift; a test checks)."""

from service.config import DEFAULT_STANDARDS_FILE, Settings


def settings_table() -> str:
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)  # lists come from a factory
        shown = "service/standards/default.yaml (packaged)" if default == DEFAULT_STANDARDS_FILE else default
        rows.append(f"| `CALLQA_{name.upper()}` | `{shown}` | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
