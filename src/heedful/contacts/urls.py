from django.urls import path

from heedful.contacts import views

urlpatterns = [
    path("", views.contact_search, name="contacts"),
    path("<int:contact_id>/", views.contact_page, name="contact"),
    path("<int:contact_id>/notes/", views.add_note, name="contact-note"),
    path("<int:contact_id>/unmerge/", views.unmerge, name="contact-unmerge"),
    path("suggestions/<int:suggestion_id>/confirm/", views.confirm_suggestion, name="contact-suggestion-confirm"),
    path("suggestions/<int:suggestion_id>/dismiss/", views.dismiss_suggestion, name="contact-suggestion-dismiss"),
]
