from django.contrib import admin

from heedful.routing.models import (
    AgentState,
    Alert,
    AssignmentDecision,
    AutomationRule,
    BusinessHours,
    RuleRun,
    SlaPolicy,
    TeamQueue,
    WebhookCall,
)


@admin.register(AssignmentDecision)
class AssignmentDecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation_id", "team", "agent", "mode", "reason")
    list_filter = ("mode",)
    search_fields = ("=conversation_id",)


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "rule", "event", "conversation_id", "outcome", "hop")
    list_filter = ("outcome",)


@admin.register(WebhookCall)
class WebhookCallAdmin(admin.ModelAdmin):
    list_display = ("created_at", "url", "status", "attempts", "response_status", "last_error")
    list_filter = ("status",)


admin.site.register([AgentState, Alert, AutomationRule, BusinessHours, SlaPolicy, TeamQueue])
