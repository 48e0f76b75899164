from django.urls import path

from heedful.community import account_views, private_views, views
from heedful.community.feeds import CategoryAtomFeed, CategoryFeed

urlpatterns = [
    path("", views.index, name="community-index"),
    path("search/", views.search_page, name="community-search"),
    path("sitemap.xml", views.sitemap, name="community-sitemap"),
    path("review/", views.review, name="community-review"),
    path("c/<slug:slug>/", views.category, name="community-category"),
    path("c/<slug:slug>/new/", views.new_topic, name="community-new-topic"),
    path("c/<slug:slug>/feed.rss", CategoryFeed(), name="community-rss"),
    path("c/<slug:slug>/feed.atom", CategoryAtomFeed(), name="community-atom"),
    path("t/<int:topic_id>/", views.topic, name="community-topic-short"),
    path("t/<int:topic_id>/<slug:slug>/", views.topic, name="community-topic"),
    path("topics/<int:topic_id>/reply/", views.reply, name="community-reply"),
    path("topics/<int:topic_id>/subscribe/", views.subscribe, name="community-subscribe"),
    path("topics/<int:topic_id>/reading/", views.reading, name="community-reading"),
    path("posts/<int:post_id>/accept/", views.accept, name="community-accept"),
    path("posts/<int:post_id>/vote/", views.vote, name="community-vote"),
    path("posts/<int:post_id>/flag/", views.flag, name="community-flag"),
    path("posts/<int:post_id>/approve/", views.moderate, {"verb": "approve"}, name="community-approve"),
    path("posts/<int:post_id>/hide/", views.moderate, {"verb": "hide"}, name="community-hide"),
    path("posts/<int:post_id>/restore/", views.moderate, {"verb": "restore"}, name="community-restore"),
    path("messages/", private_views.inbox, name="community-messages"),
    path("signup/", account_views.signup, name="community-signup"),
    path("login/", account_views.login, name="community-login"),
    path("logout/", account_views.logout, name="community-logout"),
    path("password-reset/", account_views.password_reset, name="community-password-reset"),
    path("password-reset/<str:uidb64>/<str:token>/", account_views.password_reset_confirm,
         name="community-password-reset-confirm"),
]
