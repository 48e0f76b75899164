from django.db import migrations, models


class Migration(migrations.Migration):
    """Identity kinds are declared by provider packages, not listed here."""

    dependencies = [("contacts", "0003_contact_contact_name_upper")]

    operations = [
        migrations.AlterField(
            model_name="identity",
            name="kind",
            field=models.CharField(max_length=20),
        ),
    ]
