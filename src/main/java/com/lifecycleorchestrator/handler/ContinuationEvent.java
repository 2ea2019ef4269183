package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.LifecycleAction;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * The event an invocation sends to a fresh one when its time runs low or the action waits for SSM's
 * capacity (directly, or through the waiting room's queue): an EventBridge-shaped envelope of our own
 * source, whose detail repeats the lifecycle action's fields as Auto Scaling names them and adds what
 * the wait needs. {@link EventParser} reads it back as strictly as Auto Scaling's own event.
 *
 * <pre>
 * {"version": "1", "id": "...", "source": "lifecycle-orchestrator",
 *  "detail-type": "Lifecycle Action Continuation", "time": "2026-11-25T13:14:20Z",
 *  "detail": {"LifecycleActionToken": "..." (absent when the reconciler found the action),
 *             "AutoScalingGroupName": "...", "LifecycleHookName": "...",
 *             "EC2InstanceId": "...", "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
 *             "LifecycleActionHeldSince": "...", "AutomationExecutionId": "..." (absent before a start),
 *             "Destination": "WarmPool" (absent when unknown), "ActivityId": "...",
 *             "ActivityStartTime": "..." (both absent when the scaling activity is unknown),
 *             "LastHeartbeat": "...", "HookDeadline": "...", "HandOvers": 1, "CapacityWaits": 0,
 *             "HeartbeatTimeout": 3600, "GlobalTimeout": 172800, "DefaultResult": "ABANDON"
 *               (the hook's, in seconds; absent when not read yet),
 *             "PendingResult": "CONTINUE", "PendingReason": "..." (a result Auto Scaling throttled),
 *             "AutomationDocumentName": "..." (the runbook the action is handled with),
 *             "ClaimedEpoch": 0, "PreflightPassed": "..." (the claim of a start SSM refused for capacity)}}
 * </pre>
 */
final class ContinuationEvent {

  static final String SOURCE = "lifecycle-orchestrator";
  static final String DETAIL_TYPE = "Lifecycle Action Continuation";
  static final String HELD_SINCE = "LifecycleActionHeldSince";
  static final String EXECUTION = "AutomationExecutionId";
  static final String LAST_HEARTBEAT = "LastHeartbeat";
  static final String HOOK_DEADLINE = "HookDeadline";
  static final String HAND_OVERS = "HandOvers";
  static final String CAPACITY_WAITS = "CapacityWaits";
  static final String ACTIVITY_ID = "ActivityId";
  static final String ACTIVITY_STARTED = "ActivityStartTime";
  static final String HEARTBEAT_TIMEOUT = "HeartbeatTimeout";
  static final String GLOBAL_TIMEOUT = "GlobalTimeout";
  static final String DEFAULT_RESULT = "DefaultResult";
  static final String PENDING_RESULT = "PendingResult";
  static final String PENDING_REASON = "PendingReason";
  static final String RUNBOOK = "AutomationDocumentName";
  static final String CLAIMED_EPOCH = "ClaimedEpoch";
  static final String PREFLIGHT_PASSED = "PreflightPassed";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ContinuationEvent() {}

  static byte[] encode(Continuation continuation, Instant now) {
    LifecycleAction action = continuation.action();
    ObjectNode event = JSON.createObjectNode()
        .put("version", "1")
        .put("id", UUID.randomUUID().toString())
        .put("source", SOURCE)
        .put("detail-type", DETAIL_TYPE)
        .put("time", now.toString());
    ObjectNode detail = event.putObject("detail");
    action.token().ifPresent(token -> detail.put(EventParser.TOKEN, token.value()));
    detail.put(EventParser.GROUP, action.group().value())
        .put(EventParser.HOOK, action.hook().value())
        .put(EventParser.INSTANCE, action.instance().value())
        .put(EventParser.TRANSITION, action.transition().wireName())
        .put(HELD_SINCE, action.heldSince().toString());
    action.destination().ifPresent(place -> detail.put(EventParser.DESTINATION, place.wireName()));
    action.activity().ifPresent(activity -> detail.put(ACTIVITY_ID, activity.id())
        .put(ACTIVITY_STARTED, activity.startedAt().toString()));
    continuation.execution().ifPresent(id -> detail.put(EXECUTION, id.value()));
    detail.put(LAST_HEARTBEAT, continuation.lastHeartbeat().toString())
        .put(HOOK_DEADLINE, continuation.hookDeadline().toString())
        .put(HAND_OVERS, continuation.handOvers())
        .put(CAPACITY_WAITS, continuation.capacityWaits());
    continuation.hook().ifPresent(hook -> {
      detail.put(HEARTBEAT_TIMEOUT, hook.heartbeatTimeout().toSeconds())
          .put(GLOBAL_TIMEOUT, hook.globalTimeout().toSeconds());
      hook.defaultResult().ifPresent(result -> detail.put(DEFAULT_RESULT, result.name()));
    });
    continuation.pending().ifPresent(pending -> detail.put(PENDING_RESULT, pending.result().name())
        .put(PENDING_REASON, pending.reason()));
    continuation.runbook().ifPresent(document -> detail.put(RUNBOOK, document));
    continuation.claim().ifPresent(claim -> detail.put(CLAIMED_EPOCH, claim.epoch())
        .put(PREFLIGHT_PASSED, claim.preflightPassed().toString()));
    try {
      return JSON.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
