package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Milestone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs each milestone of a lifecycle action as it happens: the timeline of its handling. */
final class MilestoneLog implements Milestone.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(MilestoneLog.class);

  @Override
  public void reached(LifecycleAction action, Milestone milestone) {
    if (milestone instanceof Milestone.GroupBeingDeleted) {
      LOG.info("the group is being deleted: releasing the instance with CONTINUE at once");
    } else if (milestone instanceof Milestone.AgentUnreachable unreachable) {
      LOG.warn("the instance's SSM agent cannot run the runbook ({}){}", unreachable.agent(),
          unreachable.runAnyway() ? "; starting the runbook anyway, as UNREACHABLE_AGENT_RESULT=RUN asks" : "");
    } else if (milestone instanceof Milestone.AwaitingAgent awaiting) {
      LOG.info("the launching instance's SSM agent is not online yet ({}); looking again in {} ms",
          awaiting.agent(), awaiting.pause().toMillis());
    } else if (milestone instanceof Milestone.HookUnreadable unreadable) {
      LOG.warn("could not read lifecycle hook {} with DescribeLifecycleHooks ({}); heartbeating by "
              + "HEARTBEAT_TIMEOUT_SECONDS={} instead{}", action.hook(), unreadable.code(),
          unreadable.assumed().heartbeatTimeout().toSeconds(),
          unreadable.lasting() ? " for every action of this hook" : " this time");
    } else if (milestone instanceof Milestone.RunbookStarted started) {
      LOG.info(started.startedEarlier()
              ? "following execution {} that an earlier delivery started"
              : "runbook started as execution {}",
          started.execution());
    } else if (milestone instanceof Milestone.ExecutionSuperseded superseded) {
      LOG.warn("execution {} served an earlier action of this instance at this hook, which ended without "
          + "this function (completed by hand, or by the hook's timeout); marked superseded", superseded.execution());
    } else if (milestone instanceof Milestone.RecordUnreadable unreadable) {
      LOG.warn("could not read the record of the instance's actions at this hook on its executions ({}): allow "
          + "ssm:DescribeAutomationExecutions and ssm:ListTagsForResource; the action is taken as the first at "
          + "this hook, which is wrong only for a warm pool's instance that meets the hook again", unreadable.code());
    } else if (milestone instanceof Milestone.RecordNotWritten notWritten) {
      LOG.warn("could not write the action's record on its execution ({}); the next reader repairs it",
          notWritten.code());
    } else if (milestone instanceof Milestone.StatusChanged changed) {
      if (changed.status().recognised()) {
        LOG.info("runbook status {}", changed.status());
      } else {
        LOG.warn("runbook status {} is not one this function knows; treating it as still running",
            changed.status());
      }
    } else if (milestone instanceof Milestone.HeartbeatSent) {
      LOG.info("heartbeat sent: the hook's timeout starts again");
    } else if (milestone instanceof Milestone.HandedOver handedOver) {
      LOG.info("hand-over {} sent: a fresh invocation goes on waiting", handedOver.handOvers());
    } else if (milestone instanceof Milestone.Parked parked) {
      LOG.info("parked in the waiting room for {} s: {}", parked.delay().toSeconds(), parked.reason());
    } else if (milestone instanceof Milestone.Resumed resumed) {
      LOG.info("going on after hand-over {}{}", resumed.handOvers(),
          resumed.execution().map(id -> " with execution " + id).orElse(", the runbook still to start"));
    } else if (milestone instanceof Milestone.ResultSent sent) {
      LOG.info("result {} sent: instance {} released", sent.result(), action.instance());
    } else if (milestone instanceof Milestone.StartRetried retried) {
      LOG.warn("runbook start failed with {}; trying again in {} ms", retried.code(), retried.pause().toMillis());
    } else if (milestone instanceof Milestone.StatusCheckFailed failed) {
      LOG.warn("status check failed with {}; checking again on schedule", failed.code());
    } else if (milestone instanceof Milestone.HeartbeatFailed failed) {
      LOG.warn("heartbeat failed with {}; trying again in {} ms", failed.code(), failed.pause().toMillis());
    } else if (milestone instanceof Milestone.CompletionRetried retried) {
      LOG.warn("sending the result failed with {}; trying again in {} ms", retried.code(),
          retried.pause().toMillis());
    }
  }
}
