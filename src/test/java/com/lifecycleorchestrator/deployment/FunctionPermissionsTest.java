package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.Runbook;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The function's IAM policy in {@code template.yaml} against the AWS calls its code makes: all of
 * them allowed, nothing else, and each on the narrowest resources AWS lets a policy name.
 */
class FunctionPermissionsTest {

  /**
   * Actions AWS authorizes along with one that the code calls. The "API operations" table of the
   * service authorization reference for Systems Manager lists, for StartAutomationExecution,
   * ssm:AddTagsToResource (the function starts executions with Tags) and iam:PassRole (for the
   * AutomationAssumeRole it passes).
   */
  private static final Map<String, Set<String>> AUTHORIZED_ALONG_WITH = Map.of(
      "ssm:StartAutomationExecution", Set.of("ssm:AddTagsToResource", "iam:PassRole"));

  /**
   * Actions whose Resource can only be "*": the service authorization reference lists no resource
   * type for them ("Actions, resources, and condition keys for Amazon EC2 Auto Scaling" and "... for
   * AWS Systems Manager").
   */
  private static final Set<String> WITHOUT_RESOURCE_LEVEL_PERMISSIONS = Set.of(
      "ssm:DescribeAutomationExecutions", "ssm:DescribeInstanceInformation", "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeScalingActivities", "autoscaling:DescribeWarmPool", "autoscaling:DescribeLifecycleHooks");

  /**
   * Actions the code calls only where a switch of the template is on: parking an action in the
   * waiting room, and bringing a failed one back sooner, which the function does only with a queue.
   */
  private static final Map<String, String> CALLED_ONLY_WITH = Map.of(
      "sqs:SendMessage", "HasWaitingRoom", "sqs:ChangeMessageVisibility", "HasWaitingRoom");

  /**
   * What Lambda's event source mapping calls as the function's role to read the waiting room
   * ("Using Lambda with Amazon SQS", execution role permissions).
   */
  private static final Set<String> READING_THE_WAITING_ROOM =
      Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");

  private static final Set<String> CALLED = AwsActionsCalled.byTheFunction();

  /** The actions the code calls in this deployment: those behind a switch only when it is on. */
  private static Set<String> calledIn(StackTemplate template) {
    return CALLED.stream()
        .filter(action -> !CALLED_ONLY_WITH.containsKey(action) || template.condition(CALLED_ONLY_WITH.get(action)))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void theCallsAreReadFromTheCode() {
    assertFalse(CALLED.isEmpty(), "no AWS SDK call found in the function's classes: the derivation is broken");
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void everyActionTheCodeCallsIsAllowed(Deployment deployment) {
    Set<String> allowed = FunctionPolicy.of(deployment.template()).actions();

    Set<String> denied = calledIn(deployment.template()).stream().filter(action -> !allowed.contains(action))
        .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(Set.of(), denied, "the code calls these, which the function's policy does not allow");
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void everyAllowedActionServesACallOfTheCode(Deployment deployment) {
    StackTemplate template = deployment.template();
    Set<String> needed = calledIn(template);
    CALLED.forEach(action -> needed.addAll(AUTHORIZED_ALONG_WITH.getOrDefault(action, Set.of())));
    if (template.condition("HasWaitingRoom")) {
      needed.addAll(READING_THE_WAITING_ROOM);
    }

    Set<String> unneeded = FunctionPolicy.of(template).actions().stream()
        .filter(action -> !needed.contains(action))
        .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(Set.of(), unneeded, "the function's policy allows these, which no code calls");
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void onlyActionsWithoutResourceLevelPermissionsAreAllowedOnEveryResource(Deployment deployment) {
    for (FunctionPolicy.Grant grant : FunctionPolicy.of(deployment.template()).grants()) {
      if (grant.resources().contains("*")) {
        assertTrue(WITHOUT_RESOURCE_LEVEL_PERMISSIONS.containsAll(grant.actions()),
            grant.sid() + " allows " + grant.actions() + " on every resource, though AWS lets a policy name them");
      }
    }
  }

  @Test
  void theRunbooksAreStartedOnlyFromTheirDocumentsAndAsTheirExecutions() {
    StackTemplate template = StackTemplate.deployedWith(Map.of(
        "AutoScalingGroupName", "web-asg",
        "AutomationDocumentName", "drain-and-archive",
        "LaunchAutomationDocumentName", "warm-up-instance"));
    String ssm = "arn:aws:ssm:us-east-1:123456789012:";

    assertEquals(Set.of(
            ssm + "automation-definition/drain-and-archive:*",
            ssm + "document/drain-and-archive",
            ssm + "automation-definition/warm-up-instance:*",
            ssm + "document/warm-up-instance",
            ssm + "automation-execution/*"),
        FunctionPolicy.of(template).resourcesOf("ssm:StartAutomationExecution"));
  }

  @Test
  void theStacksRunbookIsStartedByTheNameCloudFormationGivesIt() {
    String runbook = Deployment.DEPLOYED_RESOURCES.get("LogArchiveRunbook");

    Set<String> resources = FunctionPolicy.of(Deployment.DEFAULTS.template()).resourcesOf("ssm:StartAutomationExecution");

    assertEquals(Set.of(
        "arn:aws:ssm:us-east-1:123456789012:automation-definition/" + runbook + ":*",
        "arn:aws:ssm:us-east-1:123456789012:document/" + runbook,
        "arn:aws:ssm:us-east-1:123456789012:automation-execution/*"), resources);
  }

  @ParameterizedTest
  @EnumSource(Deployment.class)
  void executionsAreTaggedAndReadOnlyAsExecutions(Deployment deployment) {
    FunctionPolicy policy = FunctionPolicy.of(deployment.template());
    Set<String> executions = Set.of("arn:aws:ssm:us-east-1:123456789012:automation-execution/*");

    assertEquals(executions, policy.resourcesOf("ssm:AddTagsToResource"));
    assertEquals(executions, policy.resourcesOf("ssm:GetAutomationExecution"));
  }

  /** AWS's own runbooks have no account in their ARN ("Resource types defined by AWS Systems Manager": document). */
  @Test
  void anAwsOwnedRunbookIsStartedByItsArnWithoutAnAccount() {
    Set<String> resources = FunctionPolicy.of(Deployment.AWS_OWNED_RUNBOOK.template()).resourcesOf("ssm:StartAutomationExecution");

    assertEquals(Set.of(
        "arn:aws:ssm:us-east-1::automation-definition/AWS-StopEC2Instance:*",
        "arn:aws:ssm:us-east-1::document/AWS-StopEC2Instance",
        "arn:aws:ssm:us-east-1:123456789012:automation-execution/*"), resources);
    assertEquals("AWS-StopEC2Instance", Deployment.AWS_OWNED_RUNBOOK.template().functionVariables().get("AUTOMATION_DOCUMENT_NAME"));
  }

  /** A shared document is started by its ARN (StartAutomationExecution, DocumentName), in its owner's account. */
  @Test
  void aSharedRunbookIsStartedByItsArnInItsOwnersAccount() {
    StackTemplate template = Deployment.SHARED_RUNBOOK.template();

    assertEquals(Set.of(
        "arn:aws:ssm:us-east-1:210987654321:automation-definition/fleet-drain:*",
        "arn:aws:ssm:us-east-1:210987654321:document/fleet-drain",
        "arn:aws:ssm:us-east-1:123456789012:automation-execution/*"),
        FunctionPolicy.of(template).resourcesOf("ssm:StartAutomationExecution"));
    assertEquals("arn:aws:ssm:us-east-1:210987654321:document/fleet-drain",
        template.functionVariables().get("AUTOMATION_DOCUMENT_NAME"));
  }

  /**
   * The executions are tagged only with the keys the function writes: the condition key aws:TagKeys,
   * which "Actions, resources, and condition keys for AWS Systems Manager" lists for AddTagsToResource.
   */
  @Test
  void onlyTheFunctionsOwnTagKeysMayBeWritten() {
    FunctionPolicy.Grant tagging = FunctionPolicy.of(Deployment.DEFAULTS.template()).grantOf("ssm:AddTagsToResource");
    String allowedKeys = (String) StackTemplate.map(tagging.condition().get("ForAllValues:StringLike")).get("aws:TagKeys");

    assertEquals("TagTheExecutions", tagging.sid());
    for (String key : List.of(Runbook.Start.ACTION_TAG_PREFIX + "token", Runbook.Start.INSTANCE_TAG_PREFIX + "token",
        Runbook.Seat.TAG_PREFIX + "token", Runbook.Entry.TOKEN, Runbook.Entry.ACTIVITY, Runbook.Entry.HELD_SINCE,
        Runbook.Entry.FOLLOWED_AT, Runbook.Entry.RELEASED)) {
      assertTrue(matchesStringLike(allowedKeys, key), key + " is not allowed by " + allowedKeys);
    }
  }

  /** Every event this stack delivers invokes the alias, so a hand-over goes to the alias, never to $LATEST. */
  @Test
  void theFunctionInvokesOnlyItsAlias() {
    assertEquals(Set.of("OrchestratorFunction.Alias"), Set.copyOf(
        FunctionPolicy.of(Deployment.DEFAULTS.template()).grantOf("lambda:InvokeFunction").resources().stream()
            .map(resource -> String.valueOf(StackTemplate.map(resource).get("Ref"))).toList()));
  }

  @Test
  void theWaitingRoomIsWrittenAndReadOnlyAsItsQueue() {
    FunctionPolicy policy = FunctionPolicy.of(Deployment.DEFAULTS.template());
    Set<String> queue = Set.of(Deployment.DEPLOYED_RESOURCES.get("WaitingRoomQueue.Arn"));

    for (String action : List.of("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")) {
      assertEquals(queue, policy.resourcesOf(action), action);
    }
  }

  @Test
  void lifecycleActionsAreAnsweredOnlyInTheConfiguredGroup() {
    StackTemplate template = StackTemplate.deployedWith(Map.of("AutoScalingGroupName", "batch-workers"));
    Set<String> group = Set.of(
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/batch-workers");

    assertEquals(group, FunctionPolicy.of(template).resourcesOf("autoscaling:CompleteLifecycleAction"));
    assertEquals(group, FunctionPolicy.of(template).resourcesOf("autoscaling:RecordLifecycleActionHeartbeat"));
  }

  /**
   * Fleet mode: lifecycle actions are answered only in groups that carry an opt-in tag, by the
   * condition key autoscaling:ResourceTag/&lt;key&gt; ("Tags for security", EC2 Auto Scaling User
   * Guide), Null false meaning the group has the tag, whatever its value.
   */
  @Test
  void inFleetModeLifecycleActionsAreAnsweredOnlyInTheGroupsThatOptedIn() {
    String everyGroup = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/*";
    Map<String, Object> terminateTag = Map.of("Null", Map.of("autoscaling:ResourceTag/lifecycle-orchestrator:runbook", "false"));
    Map<String, Object> launchTag =
        Map.of("Null", Map.of("autoscaling:ResourceTag/lifecycle-orchestrator:launch-runbook", "false"));

    for (Deployment deployment : List.of(Deployment.FLEET, Deployment.FLEET_WITH_ALLOWED_RUNBOOKS)) {
      for (String action : List.of("autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat")) {
        Set<Map<String, Object>> conditions = new HashSet<>();
        for (FunctionPolicy.Grant grant : FunctionPolicy.of(deployment.template()).grantsOf(action)) {
          assertEquals(List.of(everyGroup), grant.resources(), deployment + " " + grant.sid());
          conditions.add(grant.condition());
        }
        assertEquals(deployment == Deployment.FLEET ? Set.of(terminateTag) : Set.of(terminateTag, launchTag),
            conditions, deployment + " " + action);
      }
    }
  }

  /** Fleet mode: the stack's runbook and the runbooks AllowedRunbooks names, and no other. */
  @Test
  void inFleetModeOnlyTheStacksRunbookAndTheAllowedOnesAreStarted() {
    Set<String> started = new HashSet<>();
    FunctionPolicy.of(Deployment.FLEET_WITH_ALLOWED_RUNBOOKS.template()).grantsOf("ssm:StartAutomationExecution")
        .forEach(grant -> grant.resources().forEach(resource -> started.add(String.valueOf(resource))));
    String ssm = "arn:aws:ssm:us-east-1:123456789012:";
    String stacks = Deployment.DEPLOYED_RESOURCES.get("LogArchiveRunbook");

    assertEquals(Set.of(
        ssm + "automation-definition/" + stacks + ":*", ssm + "document/" + stacks,
        ssm + "automation-definition/warm-up-instance:*", ssm + "document/warm-up-instance",
        ssm + "automation-definition/drain-and-archive:*", ssm + "document/drain-and-archive",
        ssm + "automation-definition/warm-cache:*", ssm + "document/warm-cache",
        ssm + "automation-execution/*"), started);
    assertEquals(FunctionPolicy.of(Deployment.FLEET.template()).resourcesOf("ssm:StartAutomationExecution"),
        FunctionPolicy.of(Deployment.DEFAULTS.template()).resourcesOf("ssm:StartAutomationExecution"),
        "without AllowedRunbooks, fleet mode starts the stack's runbook only");
  }

  @Test
  void theStacksAutomationRoleIsPassedOnlyToSsm() {
    FunctionPolicy.Grant passRole = FunctionPolicy.of(Deployment.DEFAULTS.template()).grantOf("iam:PassRole");

    assertEquals(List.of(Deployment.DEPLOYED_RESOURCES.get("AutomationRole.Arn")), passRole.resources());
    assertEquals(Map.of("StringEquals", Map.of("iam:PassedToService", "ssm.amazonaws.com")), passRole.condition());
  }

  @Test
  void yourAutomationRoleIsPassedOnlyToSsm() {
    FunctionPolicy.Grant passRole = FunctionPolicy.of(Deployment.OWN_RUNBOOK_WITH_ROLE.template()).grantOf("iam:PassRole");

    assertEquals(List.of("arn:aws:iam::123456789012:role/drain-and-archive-runbook"), passRole.resources());
    assertEquals(Map.of("StringEquals", Map.of("iam:PassedToService", "ssm.amazonaws.com")), passRole.condition());
  }

  @Test
  void noRoleIsPassedWhereTheRunbookRunsAsTheFunction() {
    assertFalse(FunctionPolicy.of(Deployment.OWN_RUNBOOK_WITHOUT_ROLE.template()).actions().contains("iam:PassRole"));
  }

  /** IAM's StringLike: * matches any characters, ? one ("IAM JSON policy elements: Condition operators"). */
  private static boolean matchesStringLike(String pattern, String value) {
    StringBuilder regex = new StringBuilder();
    for (char character : pattern.toCharArray()) {
      regex.append(character == '*' ? ".*" : character == '?' ? "." : Pattern.quote(String.valueOf(character)));
    }
    return value.matches(regex.toString());
  }
}
