from django.urls import include, path

from heedful.web.views import (
    attachments,
    auth,
    calls,
    commands,
    contacts,
    conversation,
    home,
    inbox,
    templates,
)
from heedful.web.views import automation as automation_views
from heedful.web.views import channel_settings as channel_views
from heedful.web.views import knowledge as knowledge_views
from heedful.web.views import label_rules as label_rule_views
from heedful.web.views import reports as report_views
from heedful.web.views import survey as survey_views

conversation_commands = [
    ("reply", commands.reply),
    ("note", commands.note),
    ("resolve", commands.resolve),
    ("reopen", commands.reopen),
    ("snooze", commands.snooze_view),
    ("assign", commands.assign),
    ("team", commands.team),
    ("priority", commands.priority),
    ("labels", commands.set_labels),
    ("move-to-private", commands.move_to_private),
    ("merge", commands.merge_into),
    ("typing", commands.typing),
    ("template", templates.send),
    ("templates-refresh", templates.refresh),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("password/done/", auth.password_change_done, name="password_change_done"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/rows/<int:conversation_id>/", inbox.row, name="inbox-row"),
    path("inbox/filters/", inbox.save_filter, name="inbox-save-filter"),
    path("inbox/filters/<int:filter_id>/delete/", inbox.delete_filter, name="inbox-delete-filter"),
    path("conversations/<int:conversation_id>/", conversation.conversation_page, name="conversation"),
    path("conversations/<int:conversation_id>/older/", conversation.older, name="conversation-older"),
    path("conversations/<int:conversation_id>/chrome/", conversation.chrome_partial, name="conversation-chrome"),
    path("conversations/<int:conversation_id>/messages/<int:message_id>/", conversation.message_partial,
         name="conversation-message"),
    path("conversations/<int:conversation_id>/messages/<int:message_id>/retry/", commands.retry_delivery,
         name="conversation-message-retry"),
    path("conversations/<int:conversation_id>/messages/<int:message_id>/article/",
         knowledge_views.draft_from_message, name="conversation-message-article"),
    path("knowledge/drafts/new/", knowledge_views.draft_new, name="knowledge-draft-new"),
    path("conversations/<int:conversation_id>/articles/", knowledge_views.suggested_articles,
         name="conversation-articles"),
    path("conversations/<int:conversation_id>/notes/<int:note_id>/", conversation.note_partial,
         name="conversation-note"),
    *[path(f"conversations/<int:conversation_id>/{name}/", view, name=f"conversation-{name}")
      for name, view in conversation_commands],
    path("attachments/<int:attachment_id>/", attachments.download, name="attachment"),
    # A signed, expiring link: for providers that fetch media (Twilio MMS) and web chat visitors.
    path("files/<str:token>/<str:filename>", attachments.signed_download, name="signed-attachment"),
    path("contacts/", contacts.contact_search, name="contacts"),
    path("contacts/<int:contact_id>/", contacts.contact_page, name="contact"),
    path("contacts/<int:contact_id>/notes/", contacts.add_note, name="contact-note"),
    path("contacts/<int:contact_id>/calls/", calls.log_call, name="contact-call"),
    path("contacts/<int:contact_id>/unmerge/", contacts.unmerge, name="contact-unmerge"),
    path("contacts/<int:contact_id>/identities/<int:identity_id>/unlink/", contacts.unlink,
         name="contact-identity-unlink"),
    path("contacts/suggestions/<int:suggestion_id>/confirm/", contacts.confirm_suggestion,
         name="contact-suggestion-confirm"),
    path("contacts/suggestions/<int:suggestion_id>/dismiss/", contacts.dismiss_suggestion,
         name="contact-suggestion-dismiss"),
    path("realtime/", include("heedful.realtime.urls")),
    path("reports/", report_views.dashboard, name="reports"),
    path("reports/<slug:name>.<str:fmt>", report_views.export, name="report-export"),
    path("s/<str:token>", survey_views.survey_page, name="survey"),
    path("settings/automation/", automation_views.rule_list, name="automation-rules"),
    path("settings/automation/new/", automation_views.rule_new, name="automation-rule-new"),
    path("settings/automation/<int:rule_id>/", automation_views.rule_edit, name="automation-rule"),
    path("settings/automation/<int:rule_id>/enabled/", automation_views.rule_enabled, name="automation-rule-enabled"),
    path("settings/automation/<int:rule_id>/runs/", automation_views.rule_runs, name="automation-rule-runs"),
    path("settings/channels/", channel_views.channel_list, name="channel-settings"),
    path("settings/channels/<int:channel_id>/sign-in/", channel_views.sign_in, name="channel-sign-in"),
    path("settings/channels/sign-in/done/", channel_views.sign_in_done, name="channel-sign-in-done"),
    path("settings/labels/", label_rule_views.rule_list, name="label-rules"),
    path("settings/labels/new/", label_rule_views.rule_create, name="label-rule-new"),
    path("settings/labels/<int:rule_id>/", label_rule_views.rule_save, name="label-rule"),
    path("settings/labels/<int:rule_id>/delete/", label_rule_views.rule_delete, name="label-rule-delete"),
]
