from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "heedful.contacts"
    label = "contacts"
