package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Hook;
import com.lifecycleorchestrator.standin.StandInEventBridge;
import com.lifecycleorchestrator.standin.StandInSsm;
import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.standin.StandInSsm.Script;
import com.lifecycleorchestrator.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's post-deploy smoke test, {@code scripts/smoke-test.sh}, run as the README says
 * through the {@code aws} CLI, against the local stand-in seeded with what a deployed stack holds:
 * the stack's parameters and outputs, the group with its hook and two instances in service whose
 * SSM agents are online, the rule and its target, the runbook and the bucket. The CLI reaches the
 * stand-in through its own {@code AWS_ENDPOINT_URL}, so the script runs exactly as an operator
 * runs it. A deployed stack passes every check, and {@code --take-one-out} follows one instance to
 * its release; a broken stack stops at the first failed check with what to do. Each run costs some
 * ten seconds of the CLI's start-ups, so the runs overlap.
 */
@Execution(ExecutionMode.CONCURRENT)
class SmokeTestScriptTest {

  private static final String STACK = "lifecycle-orchestrator";
  private static final String GROUP = "web-asg";
  private static final String HOOK = "graceful-exit";
  private static final String PREFIX = "lifecycle-logs";
  private static final String BUCKET = "lifecycle-orchestrator-logbucket-1x2y3z4w5v6u";
  private static final String RUNBOOK = "LifecycleLogArchive-5f0c8a10-ca2b-11f0-9a3e-0affd1c2b3a4";
  private static final String RULE = "lifecycle-orchestrator-LifecycleRule-1A2B3C4D5E6F";
  private static final String ALIAS =
      "arn:aws:lambda:us-east-1:123456789012:function:lifecycle-orchestrator-OrchestratorFunction-7G8H9I0J:live";
  private static final String FIRST = "i-0a1b2c3d4e5f67890";
  private static final String SECOND = "i-0b1b2c3d4e5f67890";
  private static final String ARCHIVE = PREFIX + "/" + GROUP + "/" + FIRST + "/" + FIRST + "-20261125T101500Z.tar.gz";

  /** The parameters the stack was deployed with, as far as the script reads them. */
  private static final Map<String, String> PARAMETERS = Map.of(
      "AutoScalingGroupName", GROUP,
      "LifecycleHookName", HOOK,
      "LogPrefix", PREFIX,
      "LogBucketName", "");

  private static final String LOG_GROUP = "/lifecycle-orchestrator/" + STACK;

  /** The outputs the script reads (docs/deployment.md, "Stack outputs"). */
  private static final Map<String, String> OUTPUTS = Map.of(
      "RunbookName", RUNBOOK,
      "LifecycleRuleArn", StandInEventBridge.ruleArn(RULE),
      "FunctionAliasArn", ALIAS,
      "LogBucketName", BUCKET,
      "FunctionLogGroupName", LOG_GROUP);

  @TempDir
  Path files;

  private AwsStandIn standIn;

  @BeforeEach
  void requireTheTools() {
    RequiredTool.onPath("bash", "apt-get install bash");
    RequiredTool.onPath("aws", "pip install awscli (or the AWS CLI v2 installer)");
  }

  /**
   * What {@code sam deploy} leaves for a group of two healthy instances. The stand-in plays the
   * runbook's statuses without its step, so the test puts the archive the step would upload into
   * the bucket when the runbook starts, under the key the runbook writes
   * (docs/deployment.md, "The runbook this stack creates").
   */
  @BeforeEach
  void deployTheStack() {
    standIn = AwsStandIn.start(Clock.SYSTEM);
    stackWith(PARAMETERS);
    standIn.autoScaling()
        .hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON"))
        .inService(GROUP, FIRST)
        .inService(GROUP, SECOND);
    standIn.eventBridge().rule(RULE, "{\"source\":[\"aws.autoscaling\"]}", "ENABLED", ALIAS);
    standIn.s3().bucket(BUCKET);
    standIn.ssm()
        .document(Document.declaring(RUNBOOK, "InstanceId", "AutoScalingGroupName").requiring("InstanceId"))
        .managedInstance(FIRST, "Online")
        .managedInstance(SECOND, "Online")
        .scripted(parameters -> {
          String instance = parameters.get("InstanceId").get(0);
          standIn.s3().object(BUCKET, PREFIX + "/" + GROUP + "/" + instance + "/" + instance + "-20261125T101500Z.tar.gz",
              "archived logs".getBytes(StandardCharsets.UTF_8));
          return Script.succeedsAfter(Duration.ofSeconds(1));
        });
  }

  @AfterEach
  void stopTheStandIn() {
    standIn.close();
  }

  @Test
  void aDeployedStackPassesEveryCheckWithoutTouchingTheGroup() {
    Run run = smokeTest();

    assertEquals(0, run.exit(), run::toString);
    StandInSsm.ExecutionView execution = standIn.ssm().executions().get(0);
    assertEquals(List.of(
        "ok    stack " + STACK + " is CREATE_COMPLETE",
        "ok    group " + GROUP + " holds terminating instances at hook " + HOOK,
        "ok    rule " + RULE + " is enabled and delivers to " + ALIAS,
        "ok    every instance in service has its SSM agent online: 2 instance(s)",
        "...   runbook " + RUNBOOK + " started on " + FIRST + " as execution " + execution.id(),
        "ok    runbook " + RUNBOOK + " succeeded on " + FIRST,
        "ok    archive in s3://" + BUCKET + "/" + ARCHIVE,
        "done  the stack is ready; run again with --take-one-out to follow one real scale-in"), run.stdout());
    assertEquals(List.of(), run.stderr());
    assertEquals(Map.of("InstanceId", List.of(FIRST), "AutoScalingGroupName", List.of(GROUP)), execution.parameters());
    assertEquals(List.of("InService", "InService"),
        List.of(standIn.autoScaling().lifecycleState(FIRST).orElseThrow(),
            standIn.autoScaling().lifecycleState(SECOND).orElseThrow()));
  }

  /**
   * {@code --take-one-out} on a stack that runs the user's own runbook (no bucket output, so the
   * script starts no runbook of its own). The test plays the function: once the script has seen the
   * instance held at the hook, it completes the action with CONTINUE and writes the function's final
   * log line; EventBridge's delivery and the function itself are what the stand-in cannot play.
   */
  @Test
  void takingOneOutFollowsTheInstanceToItsReleaseAndTheFunctionsFinalLine() {
    stackWithout("LogBucketName");
    String finalLine = "{\"level\":\"INFO\",\"message\":\"lifecycle action completed with CONTINUE\","
        + "\"instance_id\":\"" + FIRST + "\",\"result\":\"CONTINUE\"}";
    standIn.onCall(call -> {
      if (call.operation().equals("DescribeAutoScalingInstances")
          && call.output("AutoScalingInstances.1.LifecycleState").equals(Optional.of("Terminating:Wait"))) {
        standIn.autoScaling().completeElsewhere(standIn.autoScaling().activeToken(FIRST).orElseThrow(), "CONTINUE");
        standIn.logs().line(LOG_GROUP, finalLine);
      }
    });

    Run run = smokeTest("--take-one-out");

    assertEquals(0, run.exit(), run::toString);
    assertEquals(List.of(
        "ok    stack " + STACK + " is CREATE_COMPLETE",
        "ok    group " + GROUP + " holds terminating instances at hook " + HOOK,
        "ok    rule " + RULE + " is enabled and delivers to " + ALIAS,
        "ok    every instance in service has its SSM agent online: 2 instance(s)",
        "skip  the stack runs your own runbook " + RUNBOOK + ", which this script does not start outside a scale-in",
        "...   " + FIRST + " taken out of " + GROUP + " (a replacement is launched); following it",
        "ok    " + FIRST + " left its wait state (no longer in the group) after about 1 s",
        finalLine,
        "ok    the function completed " + FIRST + "'s lifecycle action with CONTINUE"), run.stdout());
    assertEquals(List.of(), run.stderr());
    assertEquals(Optional.of("false"), standIn.calls("TerminateInstanceInAutoScalingGroup").get(0)
        .member("ShouldDecrementDesiredCapacity"));
  }

  @Test
  void anInstanceWhoseAgentLostItsConnectionStopsTheRunBeforeAnyRunbook() {
    standIn.ssm().managedInstance(SECOND, "ConnectionLost");

    Run run = smokeTest();

    assertStoppedAt(run, "ok    rule " + RULE + " is enabled and delivers to " + ALIAS,
        "FAIL  instance " + SECOND + ": SSM agent and platform are 'ConnectionLost\tLinux', not Online and Linux",
        "      what to do: the instance role needs AmazonSSMManagedInstanceCore and the instance a route to SSM "
            + "(NAT or VPC endpoints); the runbook runs on Linux only");
    assertTrue(standIn.calls("StartAutomationExecution").isEmpty(), "no runbook may start after a failed check");
  }

  /** The group keeps the hook it had, which the stack was told under another name (CreateLifecycleHook=false). */
  @Test
  void aHookTheGroupDoesNotHaveStopsTheRunAtTheHook() {
    Map<String, String> parameters = new HashMap<>(PARAMETERS);
    parameters.put("LifecycleHookName", "drain-before-exit");
    stackWith(parameters);

    Run run = smokeTest();

    assertStoppedAt(run, "ok    stack " + STACK + " is CREATE_COMPLETE",
        "FAIL  the group " + GROUP + " has no terminate hook named drain-before-exit (found: None)",
        "      what to do: with CreateLifecycleHook=false, set LifecycleHookName to the group's terminate hook, "
            + "or let the stack create it");
    assertTrue(standIn.calls("DescribeRule").isEmpty(), "no check may run after the first failed one");
  }

  private void stackWith(Map<String, String> parameters) {
    standIn.cloudFormation().stack(STACK, "CREATE_COMPLETE", parameters, OUTPUTS);
  }

  private void stackWithout(String output) {
    Map<String, String> outputs = new HashMap<>(OUTPUTS);
    outputs.remove(output);
    standIn.cloudFormation().stack(STACK, "CREATE_COMPLETE", PARAMETERS, outputs);
  }

  private static void assertStoppedAt(Run run, String lastPassed, String failure, String whatToDo) {
    assertEquals(1, run.exit(), run::toString);
    assertEquals(lastPassed, run.stdout().get(run.stdout().size() - 1), run::toString);
    assertEquals(List.of(failure, whatToDo), run.stderr());
  }

  private record Run(int exit, List<String> stdout, List<String> stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr);
    }
  }

  /**
   * The script as the README gives it, with the CLI's own endpoint variable pointing every call at
   * the stand-in, throw-away credentials, none of the user's configuration, and a poll of a second.
   */
  private Run smokeTest(String... options) {
    List<String> command = new ArrayList<>(List.of("bash", "scripts/smoke-test.sh", "--stack-name", STACK,
        "--region", AwsStandIn.REGION));
    command.addAll(List.of(options));
    Path stdout = files.resolve("stdout.txt");
    Path stderr = files.resolve("stderr.txt");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.startsWith("AWS_"));
    environment.putAll(Map.of(
        "AWS_ENDPOINT_URL", standIn.endpoint().toString(),
        "AWS_ACCESS_KEY_ID", "test",
        "AWS_SECRET_ACCESS_KEY", "test",
        "AWS_CONFIG_FILE", files.resolve("no-config").toString(),
        "AWS_SHARED_CREDENTIALS_FILE", files.resolve("no-credentials").toString(),
        "AWS_PAGER", "",
        "SMOKE_TEST_POLL_SECONDS", "1",
        "SMOKE_TEST_WAIT_LIMIT_SECONDS", "30"));
    try {
      Process process = builder.start();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("the smoke test did not end within two minutes");
      }
      return new Run(process.exitValue(), Files.readAllLines(stdout), Files.readAllLines(stderr));
    } catch (IOException e) {
      throw new AssertionError("could not run the smoke test", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while the smoke test ran", e);
    }
  }
}
