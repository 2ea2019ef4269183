package com.lifecycleorchestrator.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Reconciler;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {

  private static final Map<String, String> MINIMAL = Map.of(
      "AWS_REGION", "eu-west-1",
      "AUTOMATION_DOCUMENT_NAME", "GracefulExit-ArchiveLogs");

  @Test
  void theDefaultsApplyWhenOnlyTheRequiredSettingsAreGiven() {
    Settings settings = Settings.from(MINIMAL);

    assertEquals("GracefulExit-ArchiveLogs", settings.terminateRunbook().documentName());
    assertEquals(Map.of(), settings.terminateRunbook().parameters());
    assertEquals(Optional.empty(), settings.launchRunbook());
    assertEquals(LifecycleResult.ABANDON, settings.failureResult());
    assertEquals(Duration.ofSeconds(3600), settings.heartbeatTimeout());
    assertEquals(Duration.ofSeconds(15), settings.maxPollInterval());
    assertEquals(Settings.DEFAULT_AGENT_WAIT, settings.agentWait());
    assertEquals(Settings.DEFAULT_AGENT_WAIT, settings.timings(() -> 0.0).agentWait());
    assertTrue(settings.orchestration().runbookFor(LifecycleAction.Transition.LAUNCHING).isEmpty());
  }

  @Test
  void everySettingIsRead() {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put("LAUNCH_AUTOMATION_DOCUMENT_NAME", "GracefulLaunch-Warmup");
    env.put("AUTOMATION_ASSUME_ROLE_ARN", "arn:aws:iam::123456789012:role/GracefulExitAutomation");
    env.put("AUTOMATION_PARAMETERS", "{\"S3BucketName\": [\"my-logs\"], \"LogPaths\": [\"/var/log\", \"/opt/app/logs\"]}");
    env.put("AUTOMATION_GROUP_NAME_PARAMETER", "AutoScalingGroupName");
    env.put("LAUNCH_AUTOMATION_PARAMETERS", "{\"WarmUpSeconds\": [\"30\"]}");
    env.put("FAILURE_RESULT", "CONTINUE");
    env.put("HEARTBEAT_TIMEOUT_SECONDS", "300");
    env.put("MAX_POLL_INTERVAL_SECONDS", "30");
    env.put("AGENT_WAIT_SECONDS", "900");

    Settings settings = Settings.from(env);

    assertEquals(Map.of(
            "S3BucketName", List.of("my-logs"),
            "LogPaths", List.of("/var/log", "/opt/app/logs"),
            "AutomationAssumeRole", List.of("arn:aws:iam::123456789012:role/GracefulExitAutomation")),
        settings.terminateRunbook().parameters());
    assertEquals(Optional.of("AutoScalingGroupName"), settings.terminateRunbook().groupNameParameter());
    assertEquals("GracefulLaunch-Warmup", settings.launchRunbook().orElseThrow().documentName());
    assertEquals(Map.of("AutomationAssumeRole", List.of("arn:aws:iam::123456789012:role/GracefulExitAutomation"),
            "WarmUpSeconds", List.of("30")),
        settings.launchRunbook().orElseThrow().parameters(),
        "the launch runbook gets its own parameters, the role, and not the group name");
    assertEquals(Optional.empty(), settings.launchRunbook().orElseThrow().groupNameParameter());
    assertEquals(LifecycleResult.CONTINUE, settings.failureResult());
    assertEquals(Duration.ofSeconds(300), settings.heartbeatTimeout());
    assertEquals(Duration.ofSeconds(30), settings.maxPollInterval());
    assertEquals(Duration.ofSeconds(900), settings.agentWait());
  }

  @Test
  void aBadConfigurationYieldsOneErrorListingEveryProblem() {
    Map<String, String> env = Map.of(
        "AUTOMATION_ASSUME_ROLE_ARN", "GracefulExitAutomation",
        "AUTOMATION_PARAMETERS", "{\"InstanceId\": [\"i-0a1b2c3d\"], \"S3BucketName\": \"my-logs\"}",
        "FAILURE_RESULT", "RETRY",
        "AUTOMATION_GROUP_NAME_PARAMETER", "Group Name",
        "HEARTBEAT_TIMEOUT_SECONDS", "10",
        "AGENT_WAIT_SECONDS", "-1",
        "MAX_POLL_INTERVAL_SECONDS", "soon");

    Settings.InvalidSettings invalid = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(env));

    List<String> problems = invalid.problems();
    for (String variable : List.of("AWS_REGION is required", "AUTOMATION_DOCUMENT_NAME is required",
        "AUTOMATION_ASSUME_ROLE_ARN must be", "AUTOMATION_PARAMETERS must not set InstanceId",
        "AUTOMATION_PARAMETERS parameter S3BucketName", "FAILURE_RESULT must be ABANDON or CONTINUE",
        "HEARTBEAT_TIMEOUT_SECONDS must be", "AGENT_WAIT_SECONDS must be", "MAX_POLL_INTERVAL_SECONDS must be",
        "AUTOMATION_GROUP_NAME_PARAMETER must be")) {
      assertTrue(problems.stream().anyMatch(problem -> problem.startsWith(variable)),
          variable + " not in " + problems);
    }
    assertEquals(10, problems.size(), problems.toString());
    assertTrue(invalid.getMessage().contains("HEARTBEAT_TIMEOUT_SECONDS"));
  }

  @Test
  void theReconcilerAndTheAgentCheckAreSettings() {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put("AUTO_SCALING_GROUP_NAMES", "web-asg, worker-asg");
    env.put("LIFECYCLE_HOOK_NAME", "graceful-exit");
    env.put("RECONCILE_BATCH_SIZE", "40");
    env.put("UNREACHABLE_AGENT_RESULT", "run");
    env.put("WAITING_ROOM_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/waiting-room");

    Settings settings = Settings.from(env);

    Reconciler.Config reconciler = settings.reconciler().orElseThrow();
    assertEquals(List.of(new LifecycleAction.GroupName("web-asg"), new LifecycleAction.GroupName("worker-asg")),
        reconciler.groups());
    assertEquals(Map.of(LifecycleAction.Transition.TERMINATING, new LifecycleAction.HookName("graceful-exit")),
        settings.hooks());
    assertEquals(40, reconciler.examinedAtLeast());
    assertEquals(java.time.Duration.ofMinutes(5), reconciler.interval());
    assertEquals(java.time.Duration.ofMillis(250), reconciler.pace());
    assertEquals(java.time.Duration.ofSeconds(270), reconciler.passTime());
    assertEquals(Optional.empty(), settings.unreachableAgentResult());
    assertEquals(Optional.of("https://sqs.eu-west-1.amazonaws.com/123456789012/waiting-room"),
        settings.waitingRoomQueueUrl());
    assertEquals(Optional.of(LifecycleResult.ABANDON), Settings.from(MINIMAL).unreachableAgentResult());
  }

  @Test
  void aReconcilerWithoutAHookIsAProblem() {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put("AUTO_SCALING_GROUP_NAMES", "web-asg");

    Settings.InvalidSettings invalid = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(env));

    assertTrue(invalid.problems().get(0).contains("LIFECYCLE_HOOK_NAME"), invalid.problems().toString());
  }

  @Test
  void parametersThatAreNotJsonAreNamed() {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.put("AUTOMATION_PARAMETERS", "S3BucketName=my-logs");

    Settings.InvalidSettings invalid = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(env));

    assertTrue(invalid.problems().get(0).contains("it is not JSON"), invalid.problems().toString());
  }

  @Test
  void fleetModeServesTheTaggedGroupsWithTheAllowedRunbooksAndTheStacksRole() {
    Settings settings = Settings.from(minimalWith(Map.of("FLEET_MODE", "true", "LIFECYCLE_HOOK_NAME", "graceful-exit",
        "ALLOWED_RUNBOOKS", "drain-and-archive, warm-cache",
        "AUTOMATION_ASSUME_ROLE_ARN", "arn:aws:iam::123456789012:role/GracefulExitAutomation")));

    Enrolment enrolment = settings.enrolment().orElseThrow();
    assertEquals(Set.of("drain-and-archive", "warm-cache"), enrolment.allowedRunbooks());
    assertEquals(Map.of("AutomationAssumeRole", List.of("arn:aws:iam::123456789012:role/GracefulExitAutomation")),
        enrolment.parameters());
    assertEquals(List.of(), settings.reconciler().orElseThrow().groups(), "the reconciler finds the groups by tag");
    assertEquals(Optional.of(enrolment), settings.orchestration().enrolment());
  }

  @Test
  void withoutFleetModeNoGroupIsAskedForItsTag() {
    assertEquals(Optional.empty(), Settings.from(MINIMAL).orchestration().enrolment());
  }

  @Test
  void fleetModeWithoutItsHookWithNamedGroupsOrAllowedRunbooksOutsideItIsAProblem() {
    Map<String, String> fleet = minimalWith(Map.of("FLEET_MODE", "true", "AUTO_SCALING_GROUP_NAMES", "web-asg",
        "ALLOWED_RUNBOOKS", "default,bad name"));
    Map<String, String> single = minimalWith(Map.of("ALLOWED_RUNBOOKS", "drain-and-archive"));
    Map<String, String> unclear = minimalWith(Map.of("FLEET_MODE", "yes"));

    List<String> fleetProblems = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(fleet)).problems();
    List<String> singleProblems = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(single)).problems();
    List<String> unclearProblems = assertThrows(Settings.InvalidSettings.class, () -> Settings.from(unclear)).problems();

    assertEquals(4, fleetProblems.size(), fleetProblems.toString());
    assertTrue(fleetProblems.stream().anyMatch(problem -> problem.contains("LIFECYCLE_HOOK_NAME")), fleetProblems.toString());
    assertTrue(fleetProblems.stream().anyMatch(problem -> problem.contains("AUTO_SCALING_GROUP_NAMES must be empty")),
        fleetProblems.toString());
    assertTrue(fleetProblems.stream().anyMatch(problem -> problem.contains("'bad name'")), fleetProblems.toString());
    assertTrue(fleetProblems.stream().anyMatch(problem -> problem.contains("must not name 'default'")),
        fleetProblems.toString());
    assertEquals(1, singleProblems.size(), singleProblems.toString());
    assertTrue(singleProblems.get(0).contains("FLEET_MODE=true"), singleProblems.toString());
    assertTrue(unclearProblems.get(0).startsWith("FLEET_MODE must be true"), unclearProblems.toString());
  }

  private static Map<String, String> minimalWith(Map<String, String> more) {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.putAll(more);
    return env;
  }
}
