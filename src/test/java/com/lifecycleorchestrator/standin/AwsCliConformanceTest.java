package com.lifecycleorchestrator.standin;

import static com.lifecycleorchestrator.testkit.TerminateSample.DOCUMENT;
import static com.lifecycleorchestrator.testkit.TerminateSample.GROUP;
import static com.lifecycleorchestrator.testkit.TerminateSample.HOOK;
import static com.lifecycleorchestrator.testkit.TerminateSample.INSTANCE;
import static com.lifecycleorchestrator.testkit.TerminateSample.TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.standin.StandInAutoScaling.Hook;
import com.lifecycleorchestrator.standin.StandInSsm.Document;
import com.lifecycleorchestrator.standin.StandInSsm.Script;
import com.lifecycleorchestrator.testkit.RequiredTool;
import com.lifecycleorchestrator.testkit.TerminateSample;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.AfterAll;

/**
 * The stand-in driven by a client nobody here wrote: the AWS CLI, whose botocore serializes each
 * request and parses each answer by AWS's own service models. Every operation the function calls
 * (and the stand-in therefore answers) is called on its success path and its error paths; each
 * output is then held against the same models ({@link ServiceModel}) and against what the stand-in
 * meant to send, and each error code against the codes the model gives the operation. A stand-in
 * that drifts from AWS fails here rather than in a test that trusts it. The commands run one after
 * another in one Python process (the CLI v1's own driver, called once per command), which pays the
 * CLI's start-up once rather than per command.
 */
class AwsCliConformanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = TerminateSample.HELD_SINCE;
  private static final String CLIENT_TOKEN = "0f1e2d3c-4b5a-4697-8877-665544332211";
  private static final Pattern CLI_ERROR = Pattern.compile(
      "An error occurred \\(([^)]+)\\) when calling the (\\w+) operation(?: \\(reached max retries: \\d+\\))?: (.*)");

  /**
   * Errors AWS documents for every API ("Common Errors"), besides those each operation's model lists;
   * a call IAM does not allow is AccessDeniedException in JSON services and AccessDenied (HTTP 403)
   * in query services such as Auto Scaling.
   */
  private static final Set<String> COMMON_ERRORS = Set.of("InternalFailure", "ServiceUnavailable",
      "ThrottlingException", "Throttling", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
      "ValidationError", "ValidationException", "AccessDenied", "AccessDeniedException");

  private static Map<String, ServiceModel> models;
  private static CliProcess cli;

  @TempDir
  static Path cliFiles;

  private final VirtualClock clock = new VirtualClock(T0);
  private AwsStandIn standIn;

  @TempDir
  Path files;

  /**
   * Checked before each test rather than once for the class, so that a machine without the CLI
   * reports every test as skipped, with the reason.
   */
  @BeforeEach
  void requireTheCliAndItsModels() {
    RequiredTool.onPath("aws", "pip install awscli (or the AWS CLI v2 installer)");
    synchronized (AwsCliConformanceTest.class) {
      if (models == null) {
        var data = ServiceModel.botocoreData();
        RequiredTool.require(data.isPresent(), "botocore's service models were not found (python3 -c 'import "
            + "botocore'); the AWS CLI v1 brings them: pip install awscli");
        models = Map.of(
            "SSM", ServiceModel.load(data.get(), "ssm", "2014-11-06"),
            "Auto Scaling", ServiceModel.load(data.get(), "autoscaling", "2011-01-01"),
            "Lambda", ServiceModel.load(data.get(), "lambda", "2015-03-31"),
            "SQS", ServiceModel.load(data.get(), "sqs", "2012-11-05"),
            "CloudFormation", ServiceModel.load(data.get(), "cloudformation", "2010-05-15"),
            "EventBridge", ServiceModel.load(data.get(), "events", "2015-10-07"),
            "S3", ServiceModel.load(data.get(), "s3", "2006-03-01"),
            "CloudWatch Logs", ServiceModel.load(data.get(), "logs", "2014-03-28"));
      }
      if (cli == null) {
        cli = CliProcess.start(cliFiles);
      }
    }
  }

  @AfterAll
  static void stopTheCli() {
    if (cli != null) {
      cli.close();
      cli = null;
    }
  }

  @BeforeEach
  void startStandIn() {
    standIn = AwsStandIn.start(clock);
    standIn.ssm()
        .document(Document.declaring(DOCUMENT, "InstanceId", "S3BucketName").requiring("InstanceId"))
        .everyExecution(Script.succeedsAfter(Duration.ofSeconds(30)))
        .managedInstance(INSTANCE, "Online");
    standIn.autoScaling()
        .hook(Hook.terminating(GROUP, HOOK, Duration.ofHours(1), "ABANDON"))
        .inService(GROUP, "i-0b1b2c3d4e5f67890")
        .hold(GROUP, HOOK, INSTANCE, TOKEN, T0);
  }

  @AfterEach
  void stopStandIn() {
    standIn.close();
  }

  @Test
  void anExecutionStartsRunsAndSucceeds() {
    JsonNode started = succeeds("StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", DOCUMENT, "--parameters", "InstanceId=" + INSTANCE + ",S3BucketName=my-logs",
        "--client-token", CLIENT_TOKEN, "--tags", "Key=lifecycle-instance:" + INSTANCE + ",Value=" + HOOK);
    String id = started.path("AutomationExecutionId").asText();
    assertEquals(36, id.length());

    JsonNode running = succeeds("GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", id).path("AutomationExecution");
    assertEquals("InProgress", running.path("AutomationExecutionStatus").asText());
    assertEquals(INSTANCE, running.path("Parameters").path("InstanceId").path(0).asText());
    assertFalse(running.has("ExecutionEndTime"));

    clock.advance(Duration.ofSeconds(30));
    JsonNode ended = succeeds("GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", id).path("AutomationExecution");
    assertEquals("Success", ended.path("AutomationExecutionStatus").asText());
    assertTrue(ended.has("ExecutionEndTime"));
  }

  @Test
  void aClientTokenReturnsItsExecutionForTheSameRequestAndRefusesAnother() {
    String[] start = {"ssm", "start-automation-execution", "--document-name", DOCUMENT,
        "--parameters", "InstanceId=" + INSTANCE, "--client-token", CLIENT_TOKEN};
    String first = succeeds("StartAutomationExecution", start).path("AutomationExecutionId").asText();
    String again = succeeds("StartAutomationExecution", start).path("AutomationExecutionId").asText();
    assertEquals(first, again);

    fails("IdempotentParameterMismatch", "StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", DOCUMENT, "--parameters", "InstanceId=i-0ffffffffffffffff", "--client-token", CLIENT_TOKEN);

    standIn.ssm().tokenReuse(StandInSsm.TokenReuse.REFUSED);
    fails("IdempotentParameterMismatch", "StartAutomationExecution", start);

    // 36 characters, as the model's length asks, but not a UUID: the service refuses it, not the CLI.
    fails("ValidationException", "StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", DOCUMENT, "--parameters", "InstanceId=" + INSTANCE,
        "--client-token", "lifecycle-action-i-0123456789abcdef0");
  }

  @Test
  void aStartIsRefusedForAMissingDocumentOrParametersTheDocumentDoesNotTake() {
    fails("AutomationDefinitionNotFoundException", "StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", "No-Such-Runbook", "--parameters", "InstanceId=" + INSTANCE);
    fails("InvalidAutomationExecutionParametersException", "StartAutomationExecution", "ssm",
        "start-automation-execution", "--document-name", DOCUMENT, "--parameters",
        "InstanceId=" + INSTANCE + ",Unknown=x");
    fails("InvalidAutomationExecutionParametersException", "StartAutomationExecution", "ssm",
        "start-automation-execution", "--document-name", DOCUMENT, "--parameters", "S3BucketName=my-logs");
  }

  @Test
  void executionsBeyondTheConcurrencyLimitQueueAndBeyondTheQueueAreRefused() {
    standIn.ssm().maxRunning(1).maxQueued(1);
    String[] start = {"ssm", "start-automation-execution", "--document-name", DOCUMENT,
        "--parameters", "InstanceId=" + INSTANCE};
    String runs = succeeds("StartAutomationExecution", start).path("AutomationExecutionId").asText();
    String waits = succeeds("StartAutomationExecution", start).path("AutomationExecutionId").asText();
    fails("AutomationExecutionLimitExceededException", "StartAutomationExecution", start);

    assertEquals("InProgress", status(runs));
    assertEquals("Pending", status(waits));
    clock.advance(Duration.ofSeconds(30));
    assertEquals("Success", status(runs));
    assertEquals("InProgress", status(waits));
  }

  @Test
  void anUnknownExecutionIsNotFound() {
    fails("AutomationExecutionNotFoundException", "GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", "00000000-0000-0000-0000-000000000000");
  }

  @Test
  void executionsAreFoundByTheirTagAndDocument() {
    String id = succeeds("StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", DOCUMENT, "--parameters", "InstanceId=" + INSTANCE,
        "--tags", "Key=lifecycle-instance:" + INSTANCE + ",Value=" + HOOK).path("AutomationExecutionId").asText();

    JsonNode found = succeeds("DescribeAutomationExecutions", "ssm", "describe-automation-executions",
        "--filters", "Key=TagKey,Values=lifecycle-instance:" + INSTANCE, "Key=DocumentNamePrefix,Values=" + DOCUMENT);
    assertEquals(id, found.path("AutomationExecutionMetadataList").path(0).path("AutomationExecutionId").asText());
    assertEquals(1, found.path("AutomationExecutionMetadataList").size());

    JsonNode none = succeeds("DescribeAutomationExecutions", "ssm", "describe-automation-executions",
        "--filters", "Key=TagKey,Values=lifecycle-instance:i-0ffffffffffffffff");
    assertEquals(0, none.path("AutomationExecutionMetadataList").size());
  }

  /**
   * "AddTagsToResource" and "ListTagsForResource" (SSM API Reference) on an automation execution,
   * where each action's record is kept: a key written again takes its new value; an unknown
   * execution is an invalid resource id.
   */
  @Test
  void anExecutionsTagsAreWrittenAgainAndListed() {
    String id = succeeds("StartAutomationExecution", "ssm", "start-automation-execution",
        "--document-name", DOCUMENT, "--parameters", "InstanceId=" + INSTANCE,
        "--tags", "Key=lifecycle-followed-at,Value=2026-11-25T13:00:00Z").path("AutomationExecutionId").asText();

    succeeds("AddTagsToResource", "ssm", "add-tags-to-resource", "--resource-type", "Automation",
        "--resource-id", id, "--tags", "Key=lifecycle-followed-at,Value=2026-11-25T13:05:00Z",
        "Key=lifecycle-released,Value=CONTINUE");
    JsonNode listed = succeeds("ListTagsForResource", "ssm", "list-tags-for-resource", "--resource-type", "Automation",
        "--resource-id", id);

    Map<String, String> tags = new TreeMap<>();
    listed.path("TagList").forEach(tag -> tags.put(tag.path("Key").asText(), tag.path("Value").asText()));
    assertEquals(Map.of("lifecycle-followed-at", "2026-11-25T13:05:00Z", "lifecycle-released", "CONTINUE"), tags);
    fails("InvalidResourceId", "ListTagsForResource", "ssm", "list-tags-for-resource", "--resource-type", "Automation",
        "--resource-id", "00000000-0000-0000-0000-000000000000");
  }

  @Test
  void instanceInformationGivesTheAgentsPingStatus() {
    standIn.ssm().managedInstance("i-0c1b2c3d4e5f67890", "ConnectionLost");

    JsonNode online = succeeds("DescribeInstanceInformation", "ssm", "describe-instance-information",
        "--filters", "Key=InstanceIds,Values=" + INSTANCE);
    assertEquals("Online", online.path("InstanceInformationList").path(0).path("PingStatus").asText());
    JsonNode lost = succeeds("DescribeInstanceInformation", "ssm", "describe-instance-information",
        "--instance-information-filter-list", "key=InstanceIds,valueSet=i-0c1b2c3d4e5f67890");
    assertEquals("ConnectionLost", lost.path("InstanceInformationList").path(0).path("PingStatus").asText());

    fails("InvalidInstanceId", "DescribeInstanceInformation", "ssm", "describe-instance-information",
        "--filters", "Key=InstanceIds,Values=i-0d1b2c3d4e5f67890");
  }

  @Test
  void aLifecycleActionIsCompletedOnceAndThenNoLongerActive() {
    succeeds("RecordLifecycleActionHeartbeat", "autoscaling", "record-lifecycle-action-heartbeat",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--lifecycle-action-token", TOKEN,
        "--instance-id", INSTANCE);
    succeeds("CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--lifecycle-action-token", TOKEN,
        "--instance-id", INSTANCE, "--lifecycle-action-result", "CONTINUE");

    String again = fails("ValidationError", "CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--lifecycle-action-token", TOKEN,
        "--instance-id", INSTANCE, "--lifecycle-action-result", "CONTINUE");
    assertEquals("No active Lifecycle Action found with token " + TOKEN, again);
    String heartbeat = fails("ValidationError", "RecordLifecycleActionHeartbeat", "autoscaling",
        "record-lifecycle-action-heartbeat", "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK,
        "--lifecycle-action-token", TOKEN);
    assertEquals("No active Lifecycle Action found with token " + TOKEN, heartbeat);
    assertEquals("CONTINUE", standIn.autoScaling().ending(TOKEN).orElseThrow().result());
  }

  @Test
  void aLifecycleActionCanBeAddressedByItsInstanceAlone() {
    succeeds("RecordLifecycleActionHeartbeat", "autoscaling", "record-lifecycle-action-heartbeat",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--instance-id", INSTANCE);
    succeeds("CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--instance-id", INSTANCE,
        "--lifecycle-action-result", "ABANDON");

    String again = fails("ValidationError", "CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action",
        "--auto-scaling-group-name", GROUP, "--lifecycle-hook-name", HOOK, "--instance-id", INSTANCE,
        "--lifecycle-action-result", "ABANDON");
    assertEquals("No active Lifecycle Action found with instance ID " + INSTANCE, again);
  }

  @Test
  void groupsAndHooksAreDescribed() {
    standIn.autoScaling().deleting(GROUP);

    JsonNode groups = succeeds("DescribeAutoScalingGroups", "autoscaling", "describe-auto-scaling-groups",
        "--auto-scaling-group-names", GROUP);
    JsonNode group = groups.path("AutoScalingGroups").path(0);
    assertEquals("Delete in progress", group.path("Status").asText());
    assertEquals(2, group.path("Instances").size());

    JsonNode hooks = succeeds("DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", GROUP);
    JsonNode hook = hooks.path("LifecycleHooks").path(0);
    assertEquals(3600, hook.path("HeartbeatTimeout").asInt());
    assertEquals(172800, hook.path("GlobalTimeout").asInt());
    assertEquals("ABANDON", hook.path("DefaultResult").asText());

    fails("ValidationError", "DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", "no-such-asg");

    standIn.faults().on("DescribeLifecycleHooks").deny();
    fails("AccessDenied", "DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", GROUP);
  }

  /**
   * "Use tags to filter Auto Scaling groups" (EC2 Auto Scaling User Guide) and "Filter" (API
   * Reference): create-or-update-tags tags a group, its description lists the tags, and
   * describe-auto-scaling-groups filters by tag-key, tag-value and tag:&lt;key&gt;, a filter's values
   * being alternatives and several filters all applying, across pages the CLI follows; delete-tags
   * takes a tag off again.
   */
  @Test
  void groupsAreTaggedDescribedWithTheirTagsAndFilteredByThemAcrossPages() {
    String tagKey = "lifecycle-orchestrator:runbook";
    standIn.autoScaling()
        .hook(Hook.terminating("batch-asg", HOOK, Duration.ofHours(1), "ABANDON"))
        .hook(Hook.terminating("untagged-asg", HOOK, Duration.ofHours(1), "ABANDON"));
    succeeds("CreateOrUpdateTags", "autoscaling", "create-or-update-tags", "--tags",
        "ResourceId=" + GROUP + ",ResourceType=auto-scaling-group,Key=" + tagKey + ",Value=default,PropagateAtLaunch=true",
        "ResourceId=batch-asg,ResourceType=auto-scaling-group,Key=" + tagKey + ",Value=drain-and-archive,PropagateAtLaunch=false");

    List<JsonNode> pages = new ArrayList<>();
    String token = null;
    do {
      List<String> arguments = new ArrayList<>(List.of("autoscaling", "describe-auto-scaling-groups", "--filters",
          "Name=tag-key,Values=" + tagKey + ",lifecycle-orchestrator:launch-runbook", "--max-records", "1",
          "--no-paginate"));
      if (token != null) {
        arguments.addAll(List.of("--next-token", token));
      }
      JsonNode page = succeeds("DescribeAutoScalingGroups", arguments.toArray(String[]::new));
      pages.add(page);
      token = page.hasNonNull("NextToken") ? page.path("NextToken").asText() : null;
    } while (token != null);
    assertEquals(List.of(List.of(GROUP), List.of("batch-asg")), pages.stream().map(AwsCliConformanceTest::names).toList());
    JsonNode tag = pages.get(0).path("AutoScalingGroups").path(0).path("Tags").path(0);
    assertEquals(tagKey, tag.path("Key").asText());
    assertEquals("default", tag.path("Value").asText());
    assertTrue(tag.path("PropagateAtLaunch").asBoolean());
    assertEquals(List.of("batch-asg"), names(succeeds("DescribeAutoScalingGroups", "autoscaling",
        "describe-auto-scaling-groups", "--filters", "Name=tag:" + tagKey + ",Values=drain-and-archive")));
    assertEquals(List.of(GROUP), names(succeeds("DescribeAutoScalingGroups", "autoscaling",
        "describe-auto-scaling-groups", "--filters", "Name=tag-key,Values=" + tagKey, "Name=tag-value,Values=default")));
    assertEquals(List.of(), names(succeeds("DescribeAutoScalingGroups", "autoscaling",
        "describe-auto-scaling-groups", "--filters", "Name=tag-value,Values=Default")));

    succeeds("DeleteTags", "autoscaling", "delete-tags", "--tags",
        "ResourceId=batch-asg,ResourceType=auto-scaling-group,Key=" + tagKey);
    assertEquals(List.of(GROUP), names(succeeds("DescribeAutoScalingGroups", "autoscaling",
        "describe-auto-scaling-groups", "--filters", "Name=tag-key,Values=" + tagKey)));
    fails("ValidationError", "CreateOrUpdateTags", "autoscaling", "create-or-update-tags", "--tags",
        "ResourceId=no-such-asg,ResourceType=auto-scaling-group,Key=" + tagKey + ",Value=default");
  }

  private static List<String> names(JsonNode groups) {
    List<String> names = new ArrayList<>();
    groups.path("AutoScalingGroups").forEach(group -> names.add(group.path("AutoScalingGroupName").asText()));
    return names;
  }

  @Test
  void listingsComeInPagesThatTheCliFollows() {
    String[] start = {"ssm", "start-automation-execution", "--document-name", DOCUMENT,
        "--parameters", "InstanceId=" + INSTANCE, "--tags", "Key=lifecycle-instance:" + INSTANCE + ",Value=" + HOOK};
    for (int i = 0; i < 5; i++) {
      succeeds("StartAutomationExecution", start);
    }
    List<String> pages = new ArrayList<>();
    String token = null;
    do {
      List<String> arguments = new ArrayList<>(List.of("ssm", "describe-automation-executions",
          "--filters", "Key=TagKey,Values=lifecycle-instance:" + INSTANCE, "--max-results", "2", "--no-paginate"));
      if (token != null) {
        arguments.addAll(List.of("--next-token", token));
      }
      JsonNode page = succeeds("DescribeAutomationExecutions", arguments.toArray(String[]::new));
      page.path("AutomationExecutionMetadataList").forEach(execution -> pages.add(execution.path("AutomationExecutionId").asText()));
      token = page.hasNonNull("NextToken") ? page.path("NextToken").asText() : null;
    } while (token != null);
    assertEquals(5, pages.size());
    assertEquals(5, Set.copyOf(pages).size());
  }

  /**
   * "DescribeScalingActivities" (Auto Scaling API Reference): "Activities still in progress appear
   * first on the list", newest first, MaxRecords a page; a held instance's activity is
   * MidLifecycleAction until its action is completed.
   */
  @Test
  void scalingActivitiesComeInProgressFirstThenNewestFirstInPages() {
    String later = "i-0c1b2c3d4e5f67890";
    standIn.autoScaling().holdIn(GROUP, HOOK, later, "11111111-2222-4333-8444-555555555555", T0.plusSeconds(60),
        "Terminating:Wait", "Terminating EC2 instance: " + later);
    succeeds("CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", GROUP,
        "--lifecycle-hook-name", HOOK, "--lifecycle-action-result", "CONTINUE", "--instance-id", later);
    String[] activities = {"autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", GROUP,
        "--max-records", "1", "--no-paginate"};

    JsonNode inProgress = succeeds("DescribeScalingActivities", activities);
    assertEquals("Terminating EC2 instance: " + INSTANCE, inProgress.path("Activities").path(0).path("Description").asText());
    assertEquals("MidLifecycleAction", inProgress.path("Activities").path(0).path("StatusCode").asText());
    assertTrue(inProgress.hasNonNull("NextToken"));
    JsonNode ended = succeeds("DescribeScalingActivities", concat(activities, "--next-token",
        inProgress.path("NextToken").asText()));
    assertEquals("Terminating EC2 instance: " + later, ended.path("Activities").path(0).path("Description").asText());
    assertEquals("Successful", ended.path("Activities").path(0).path("StatusCode").asText());
    assertFalse(ended.hasNonNull("NextToken"));

    fails("InvalidNextToken", "DescribeScalingActivities", concat(activities, "--next-token", "not-a-token"));
  }

  /** "DescribeWarmPool" (Auto Scaling API Reference): the pool's instances, in pages, with its configuration. */
  @Test
  void theWarmPoolsInstancesAreListedInPages() {
    List<String> pooled = List.of("i-0d1b2c3d4e5f67890", "i-0e1b2c3d4e5f67890");
    standIn.autoScaling().holdIn(GROUP, HOOK, pooled.get(0), "21111111-2222-4333-8444-555555555555", T0,
        "Warmed:Pending:Wait", "Moving EC2 instance " + pooled.get(0) + " to the warm pool");
    standIn.autoScaling().holdIn(GROUP, HOOK, pooled.get(1), "31111111-2222-4333-8444-555555555555", T0,
        "Warmed:Terminating:Wait", "Terminating EC2 instance: " + pooled.get(1));
    String[] pool = {"autoscaling", "describe-warm-pool", "--auto-scaling-group-name", GROUP,
        "--max-records", "1", "--no-paginate"};

    JsonNode first = succeeds("DescribeWarmPool", pool);
    assertEquals("Stopped", first.path("WarmPoolConfiguration").path("PoolState").asText());
    JsonNode second = succeeds("DescribeWarmPool", concat(pool, "--next-token", first.path("NextToken").asText()));
    assertEquals(List.of("Warmed:Pending:Wait", "Warmed:Terminating:Wait"),
        List.of(first.path("Instances").path(0).path("LifecycleState").asText(),
            second.path("Instances").path(0).path("LifecycleState").asText()));
    assertFalse(second.hasNonNull("NextToken"));

    fails("ValidationError", "DescribeWarmPool", "autoscaling", "describe-warm-pool",
        "--auto-scaling-group-name", "no-such-asg");
    fails("InvalidNextToken", "DescribeWarmPool", concat(pool, "--next-token", "not-a-token"));
  }

  /**
   * The waiting room's calls ("SendMessage", "ChangeMessageVisibility", Amazon SQS API Reference):
   * a continuation is sent with a delay; one received from the queue is hidden again for as long
   * as it should wait. The function deletes no message itself: Lambda's event source mapping does.
   */
  @Test
  void theWaitingRoomsMessagesAreSentAndHiddenAgain() {
    standIn.sqs().queue("waiting-room", Duration.ofMinutes(15), 10);
    String url = standIn.sqs().queueUrl("waiting-room");

    succeeds("SendMessage", "sqs", "send-message", "--queue-url", url, "--message-body", "{\"continuation\":1}",
        "--delay-seconds", "60");
    assertEquals(T0.plusSeconds(60), standIn.sqs().messages("waiting-room").get(0).visibleAt());
    fails("QueueDoesNotExist", "SendMessage", "sqs", "send-message", "--queue-url", url + "-gone",
        "--message-body", "{}");

    clock.advance(Duration.ofSeconds(60));
    List<String> receipts = new ArrayList<>();
    standIn.sqs().pollOnce("waiting-room", "arn:aws:sqs:" + AwsStandIn.REGION + ":" + AwsStandIn.ACCOUNT
        + ":waiting-room", payload -> {
          JsonNode received = JSON.readTree(payload).path("Records").path(0);
          receipts.add(received.path("receiptHandle").asText());
          return ("{\"batchItemFailures\":[{\"itemIdentifier\":\"" + received.path("messageId").asText() + "\"}]}")
              .getBytes(StandardCharsets.UTF_8);
        });
    succeeds("ChangeMessageVisibility", "sqs", "change-message-visibility", "--queue-url", url,
        "--receipt-handle", receipts.get(0), "--visibility-timeout", "120");
    assertEquals(clock.now().plusSeconds(120), standIn.sqs().messages("waiting-room").get(0).visibleAt());

    fails("ReceiptHandleIsInvalid", "ChangeMessageVisibility", "sqs", "change-message-visibility",
        "--queue-url", url, "--receipt-handle", "not-a-receipt", "--visibility-timeout", "120");
    clock.advance(Duration.ofSeconds(120));
    fails("MessageNotInflight", "ChangeMessageVisibility", "sqs", "change-message-visibility",
        "--queue-url", url, "--receipt-handle", receipts.get(0), "--visibility-timeout", "120");
  }

  /**
   * "DescribeStacks" (AWS CloudFormation API Reference), as the operator's smoke test reads a
   * deployed stack: its status, parameters and outputs; a stack that does not exist is a ValidationError.
   */
  @Test
  void aStackIsDescribedWithItsParametersAndOutputs() {
    standIn.cloudFormation().stack("orchestrator", "CREATE_COMPLETE", Map.of("AutoScalingGroupName", GROUP),
        Map.of("RunbookName", DOCUMENT));

    JsonNode stack = succeeds("DescribeStacks", "cloudformation", "describe-stacks", "--stack-name", "orchestrator")
        .path("Stacks").path(0);
    assertEquals("CREATE_COMPLETE", stack.path("StackStatus").asText());
    assertEquals(GROUP, stack.path("Parameters").path(0).path("ParameterValue").asText());
    assertEquals(DOCUMENT, stack.path("Outputs").path(0).path("OutputValue").asText());

    String missing = fails("ValidationError", "DescribeStacks", "cloudformation", "describe-stacks",
        "--stack-name", "no-such-stack");
    assertEquals("Stack with id no-such-stack does not exist", missing);
  }

  /** "DescribeRule" and "ListTargetsByRule" (Amazon EventBridge API Reference), for a rule of the default bus. */
  @Test
  void aRuleIsDescribedWithItsTarget() {
    String alias = "arn:aws:lambda:us-east-1:123456789012:function:lifecycle-orchestrator:live";
    standIn.eventBridge().rule("lifecycle-actions", "{\"source\":[\"aws.autoscaling\"]}", "ENABLED", alias);

    JsonNode rule = succeeds("DescribeRule", "events", "describe-rule", "--name", "lifecycle-actions");
    assertEquals("ENABLED", rule.path("State").asText());
    assertEquals(StandInEventBridge.ruleArn("lifecycle-actions"), rule.path("Arn").asText());
    JsonNode targets = succeeds("ListTargetsByRule", "events", "list-targets-by-rule", "--rule", "lifecycle-actions");
    assertEquals(alias, targets.path("Targets").path(0).path("Arn").asText());

    fails("ResourceNotFoundException", "DescribeRule", "events", "describe-rule", "--name", "no-such-rule");
    fails("ResourceNotFoundException", "ListTargetsByRule", "events", "list-targets-by-rule", "--rule", "no-such-rule");
  }

  /**
   * "ListObjectsV2" (Amazon S3 API Reference): the keys under a prefix, in order, path-style as the
   * CLI addresses an endpoint given by IP address; a bucket that does not exist is NoSuchBucket.
   */
  @Test
  void aBucketsKeysAreListedByPrefix() {
    standIn.s3().bucket("lifecycle-logs")
        .object("lifecycle-logs", "web-asg/i-1/b.tar.gz", new byte[] {1, 2, 3})
        .object("lifecycle-logs", "web-asg/i-1/a.tar.gz", new byte[0])
        .object("lifecycle-logs", "web-asg/i-2/c.tar.gz", new byte[0]);

    JsonNode listed = succeeds("ListObjectsV2", "s3api", "list-objects-v2", "--bucket", "lifecycle-logs",
        "--prefix", "web-asg/i-1/", "--no-paginate");
    assertEquals(List.of("web-asg/i-1/a.tar.gz", "web-asg/i-1/b.tar.gz"),
        List.of(listed.path("Contents").path(0).path("Key").asText(), listed.path("Contents").path(1).path("Key").asText()));
    assertEquals(3, listed.path("Contents").path(1).path("Size").asInt());
    JsonNode none = succeeds("ListObjectsV2", "s3api", "list-objects-v2", "--bucket", "lifecycle-logs",
        "--prefix", "web-asg/i-3/", "--no-paginate");
    assertFalse(none.has("Contents"));

    fails("NoSuchBucket", "ListObjectsV2", "s3api", "list-objects-v2", "--bucket", "no-such-bucket");
  }

  /**
   * "TerminateInstanceInAutoScalingGroup" and "DescribeAutoScalingInstances" (Amazon EC2 Auto
   * Scaling API Reference), as the smoke test takes one instance out and follows it: held at the
   * terminate hook, then gone from the group once its action is completed.
   */
  @Test
  void anInstanceTakenOutIsHeldAtTheHookUntilItsActionIsCompleted() {
    String taken = "i-0b1b2c3d4e5f67890";

    JsonNode activity = succeeds("TerminateInstanceInAutoScalingGroup", "autoscaling",
        "terminate-instance-in-auto-scaling-group", "--instance-id", taken, "--no-should-decrement-desired-capacity")
        .path("Activity");
    assertEquals("Terminating EC2 instance: " + taken, activity.path("Description").asText());
    JsonNode held = succeeds("DescribeAutoScalingInstances", "autoscaling", "describe-auto-scaling-instances",
        "--instance-ids", taken).path("AutoScalingInstances").path(0);
    assertEquals(List.of(GROUP, "Terminating:Wait"),
        List.of(held.path("AutoScalingGroupName").asText(), held.path("LifecycleState").asText()));

    standIn.autoScaling().completeElsewhere(standIn.autoScaling().activeToken(taken).orElseThrow(), "CONTINUE");
    JsonNode gone = succeeds("DescribeAutoScalingInstances", "autoscaling", "describe-auto-scaling-instances",
        "--instance-ids", taken);
    assertEquals(0, gone.path("AutoScalingInstances").size());

    fails("ValidationError", "TerminateInstanceInAutoScalingGroup", "autoscaling",
        "terminate-instance-in-auto-scaling-group", "--instance-id", taken, "--should-decrement-desired-capacity");
  }

  /** "FilterLogEvents" (Amazon CloudWatch Logs API Reference): the lines that hold every term of the pattern. */
  @Test
  void logLinesAreFoundByEveryTermOfThePattern() {
    standIn.logs()
        .line("/lifecycle-orchestrator/stack", "lifecycle action completed with CONTINUE " + INSTANCE)
        .line("/lifecycle-orchestrator/stack", "lifecycle action completed with CONTINUE i-0b1b2c3d4e5f67890")
        .line("/lifecycle-orchestrator/stack", "runbook started " + INSTANCE);

    JsonNode found = succeeds("FilterLogEvents", "logs", "filter-log-events", "--log-group-name",
        "/lifecycle-orchestrator/stack", "--filter-pattern", "\"lifecycle action completed\" \"" + INSTANCE + "\"");
    assertEquals(1, found.path("events").size());
    assertEquals("lifecycle action completed with CONTINUE " + INSTANCE,
        found.path("events").path(0).path("message").asText());

    fails("ResourceNotFoundException", "FilterLogEvents", "logs", "filter-log-events", "--log-group-name",
        "/no/such/group");
  }

  private static String[] concat(String[] arguments, String... more) {
    List<String> all = new ArrayList<>(List.of(arguments));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void anAsynchronousInvokeIsAcceptedAndDelivered() throws Exception {
    List<String> delivered = new ArrayList<>();
    standIn.lambda().function("lifecycle-orchestrator", payload -> {
      synchronized (delivered) {
        delivered.add(new String(payload, StandardCharsets.UTF_8));
      }
      return "{\"outcome\":\"Ignored\"}".getBytes(StandardCharsets.UTF_8);
    });
    Path payload = Files.writeString(files.resolve("payload.json"), "{\"continuation\":1}");

    JsonNode accepted = succeeds("Invoke", Set.of("Payload"), "lambda", "invoke", "--function-name",
        "arn:aws:lambda:us-east-1:123456789012:function:lifecycle-orchestrator:live",
        "--invocation-type", "Event", "--payload", "fileb://" + payload, files.resolve("out-event.json").toString());
    assertEquals(202, accepted.path("StatusCode").asInt());
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(10)));
    assertEquals(List.of("{\"continuation\":1}"), delivered);

    String missing = fails("ResourceNotFoundException", "Invoke", "lambda", "invoke", "--function-name",
        "no-such-function", "--invocation-type", "Event", files.resolve("out-missing.json").toString());
    assertTrue(missing.startsWith("Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function"),
        missing);
  }

  @Test
  void throttlingIsAnsweredInEachServicesOwnTerms() {
    standIn.faults().everyOperation().throttleNext(3);
    standIn.lambda().function("lifecycle-orchestrator", payload -> new byte[0]);

    fails("ThrottlingException", "GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", "00000000-0000-0000-0000-000000000000");
    fails("Throttling", "DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", GROUP);
    fails("TooManyRequestsException", "Invoke", "lambda", "invoke", "--function-name", "lifecycle-orchestrator",
        "--invocation-type", "Event", files.resolve("out.json").toString());
  }

  @Test
  void serverErrorsAreAnsweredInEachServicesOwnTerms() {
    standIn.faults().on("GetAutomationExecution").failNext(1, 500);
    standIn.faults().on("DescribeLifecycleHooks").failNext(1, 503);

    fails("InternalServerError", "GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", "00000000-0000-0000-0000-000000000000");
    fails("ServiceUnavailable", "DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", GROUP);
  }

  @Test
  void aDroppedConnectionReachesTheCliAsOne() {
    standIn.faults().on("DescribeLifecycleHooks").dropNext(1);

    Cli dropped = aws("autoscaling", "describe-lifecycle-hooks", "--auto-scaling-group-name", GROUP);

    assertNotEquals(0, dropped.exit());
    assertTrue(dropped.stderr().contains("Connection was closed before we received a valid response"),
        dropped.stderr());
  }

  @Test
  void aRequestWithoutASignatureIsRefused() {
    fails("MissingAuthenticationTokenException", "GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", "00000000-0000-0000-0000-000000000000", "--no-sign-request");
    fails("MissingAuthenticationToken", "DescribeLifecycleHooks", "autoscaling", "describe-lifecycle-hooks",
        "--auto-scaling-group-name", GROUP, "--no-sign-request");
    assertTrue(standIn.autoScaling().ending(TOKEN).isEmpty());
  }

  private String status(String executionId) {
    return succeeds("GetAutomationExecution", "ssm", "get-automation-execution",
        "--automation-execution-id", executionId).path("AutomationExecution").path("AutomationExecutionStatus").asText();
  }

  private JsonNode succeeds(String operation, String... arguments) {
    return succeeds(operation, Set.of(), arguments);
  }

  /** Runs the command, which must succeed, and holds its output against the model and what was sent. */
  private JsonNode succeeds(String operation, Set<String> notParsed, String... arguments) {
    Cli cli = aws(arguments);
    assertEquals(0, cli.exit(), () -> String.join(" ", arguments) + " failed: " + cli.stderr());
    JsonNode output = cli.json();
    AwsStandIn.Call call = lastCall(operation);
    List<String> problems = models.get(call.service()).problems(operation, output, call.response(), notParsed);
    assertTrue(problems.isEmpty(), () -> operation + " does not conform:\n  " + String.join("\n  ", problems)
        + "\nCLI output: " + output);
    return output;
  }

  /** Runs the command, which must fail with this error code, one the model allows; returns the message. */
  private String fails(String code, String operation, String... arguments) {
    Cli cli = aws(arguments);
    Matcher error = CLI_ERROR.matcher(cli.stderr());
    assertTrue(error.find(), () -> String.join(" ", arguments) + " did not fail as a service error: exit "
        + cli.exit() + ", " + cli.stderr() + cli.stdout());
    assertEquals(code, error.group(1), cli.stderr());
    assertEquals(operation, error.group(2));
    String service = lastCall(operation).service();
    assertTrue(models.get(service).errorCodes(operation).contains(code) || COMMON_ERRORS.contains(code),
        () -> code + " is neither an error the model gives " + operation + " nor a common AWS error");
    return error.group(3).strip();
  }

  private AwsStandIn.Call lastCall(String operation) {
    List<AwsStandIn.Call> calls = standIn.calls(operation);
    assertFalse(calls.isEmpty(), operation + " never reached the stand-in");
    return calls.get(calls.size() - 1);
  }

  private record Cli(int exit, String stdout, String stderr) {
    JsonNode json() {
      try {
        return stdout.isBlank() ? JSON.createObjectNode() : JSON.readTree(stdout);
      } catch (IOException e) {
        throw new UncheckedIOException("the CLI printed no JSON: " + stdout, e);
      }
    }
  }

  /** One CLI command against this test's stand-in. */
  private Cli aws(String... arguments) {
    List<String> command = new ArrayList<>(List.of(arguments));
    command.addAll(List.of("--endpoint-url", standIn.endpoint().toString(), "--output", "json"));
    return cli.run(command);
  }

  /**
   * The AWS CLI in one Python process that runs command after command
   * ({@code aws-cli-commands.py}), with throw-away credentials, one attempt per call (so that an
   * error is seen as the stand-in answered it), no configuration of the user's, and timestamps
   * parsed and printed as ISO 8601, so that botocore reads every timestamp the stand-in sends (the
   * CLI v1's default prints them as they came).
   */
  private static final class CliProcess implements AutoCloseable {

    private final Process process;
    private final BufferedWriter commands;
    private final BufferedReader answers;

    private CliProcess(Process process) {
      this.process = process;
      this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static CliProcess start(Path files) {
      try (InputStream script = AwsCliConformanceTest.class.getResourceAsStream("aws-cli-commands.py")) {
        ProcessBuilder builder = new ProcessBuilder("python3", "-c",
            new String(script.readAllBytes(), StandardCharsets.UTF_8))
            .redirectError(files.resolve("cli-process-errors.txt").toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("AWS_"));
        environment.putAll(Map.of(
            "AWS_ACCESS_KEY_ID", "test",
            "AWS_SECRET_ACCESS_KEY", "test",
            "AWS_DEFAULT_REGION", AwsStandIn.REGION,
            "AWS_MAX_ATTEMPTS", "1",
            "AWS_RETRY_MODE", "standard",
            "AWS_CONFIG_FILE", Files.writeString(files.resolve("cli-config"),
                "[default]\ncli_timestamp_format = iso8601\n").toString(),
            "AWS_SHARED_CREDENTIALS_FILE", files.resolve("no-credentials").toString(),
            "AWS_PAGER", ""));
        return new CliProcess(builder.start());
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the AWS CLI's Python", e);
      }
    }

    synchronized Cli run(List<String> arguments) {
      try {
        commands.write(JSON.writeValueAsString(Map.of("args", arguments)));
        commands.newLine();
        commands.flush();
        String answer = answers.readLine();
        if (answer == null) {
          throw new AssertionError("the AWS CLI's Python ended (exit " + process.waitFor() + ") at aws "
              + String.join(" ", arguments));
        }
        JsonNode ran = JSON.readTree(answer);
        return new Cli(ran.path("exit").asInt(), ran.path("stdout").asText(), ran.path("stderr").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      try {
        commands.close();
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        process.destroyForcibly();
      }
    }
  }
}
