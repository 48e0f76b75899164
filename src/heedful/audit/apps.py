from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "heedful.audit"
    label = "audit"
    verbose_name = "Audit log"
