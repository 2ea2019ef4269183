package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The role the stack's log-archiving runbook runs as, against the steps of the runbook: it allows
 * the IAM actions each step's action calls on the role's behalf, nothing else, and each on the
 * narrowest resources IAM lets a policy name. No AWS managed policy: the reading of the role fails
 * on one.
 */
class RunbookPermissionsTest {

  /**
   * The IAM actions Automation calls as the runbook's role for each action of a step. aws:runCommand
   * ("aws:runCommand – Run a command on a managed instance") sends the command with SendCommand, then
   * reads its progress with ListCommands and ListCommandInvocations until it ends: the actions that
   * AWS's own runbooks with an aws:runCommand step list under "Required IAM permissions" (Systems
   * Manager Automation Runbook Reference). A step with an action missing here fails the test: add its
   * row, from its page, before the role can be checked.
   */
  private static final Map<String, Set<String>> ACTIONS_OF_STEP = Map.of(
      "aws:runCommand", Set.of("ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations"));

  /** Actions the service authorization reference for SSM lists no resource type for: "*" only. */
  private static final Set<String> WITHOUT_RESOURCE_LEVEL_PERMISSIONS =
      Set.of("ssm:ListCommands", "ssm:ListCommandInvocations");

  private static final String ROLE = "AutomationRole";

  static Stream<Deployment> deploymentsWithTheStacksRunbook() {
    return Stream.of(Deployment.values()).filter(deployment -> deployment.template().condition("CreatesRunbook"));
  }

  @Test
  void theRunbookRunsAsTheStacksRole() {
    StackTemplate template = Deployment.DEFAULTS.template();

    assertEquals(Deployment.DEPLOYED_RESOURCES.get(ROLE + ".Arn"), LogArchiveRunbook.of(template).assumeRoleDefault());
  }

  @ParameterizedTest
  @MethodSource("deploymentsWithTheStacksRunbook")
  void theRoleAllowsExactlyWhatTheStepsCall(Deployment deployment) {
    StackTemplate template = deployment.template();
    // Nothing for Automation itself: "Configure a service role for Automation" attaches iam:PassRole
    // to the role only for steps that pass it on, and aws:runCommand passes a role only as its
    // ServiceRoleArn (notifications), which the runbook does not set.
    Set<String> needed = new TreeSet<>();
    for (Map<String, Object> step : LogArchiveRunbook.of(template).steps()) {
      String action = (String) step.get("action");
      Set<String> called = ACTIONS_OF_STEP.get(action);
      if (called == null) {
        throw new AssertionError("step " + step.get("name") + " uses " + action + ", whose IAM actions "
            + RunbookPermissionsTest.class.getSimpleName() + " does not know: add its row from its AWS page");
      }
      needed.addAll(called);
    }

    assertEquals(needed, FunctionPolicy.ofRole(template, ROLE).actions());
  }

  @ParameterizedTest
  @MethodSource("deploymentsWithTheStacksRunbook")
  void commandsAreSentOnlyWithTheStepsDocumentAndOnlyToTheGroupsInstances(Deployment deployment) {
    StackTemplate template = deployment.template();
    Set<String> documents = LogArchiveRunbook.of(template).steps().stream()
        .filter(step -> "aws:runCommand".equals(step.get("action")))
        .map(step -> (String) StackTemplate.map(step.get("inputs")).get("DocumentName"))
        .map(RunbookPermissionsTest::documentArn)
        .collect(Collectors.toSet());
    List<FunctionPolicy.Grant> sendCommand = FunctionPolicy.ofRole(template, ROLE).grantsOf("ssm:SendCommand");
    Set<Object> granted = new HashSet<>();

    for (FunctionPolicy.Grant grant : sendCommand) {
      if (grant.resources().equals(List.of("arn:aws:ec2:us-east-1:123456789012:instance/*"))) {
        assertEquals(template.condition("FleetMode")
            ? Map.of("Null", Map.of("ssm:resourceTag/lifecycle-orchestrator:runbook", "false"))
            : Map.of("StringEquals", Map.of("ssm:resourceTag/aws:autoscaling:groupName",
                template.parameter("AutoScalingGroupName"))), grant.condition(),
            "instances are reached only through the tag Auto Scaling gives its group's instances or, in fleet "
                + "mode, the opt-in tag their group gave them at launch");
      } else {
        assertEquals(Map.of(), grant.condition(), grant.sid());
      }
      granted.addAll(grant.resources());
    }

    Set<Object> expected = new HashSet<>(documents);
    expected.add("arn:aws:ec2:us-east-1:123456789012:instance/*");
    assertEquals(expected, granted);
  }

  @ParameterizedTest
  @MethodSource("deploymentsWithTheStacksRunbook")
  void onlyActionsWithoutResourceLevelPermissionsAreAllowedOnEveryResource(Deployment deployment) {
    for (FunctionPolicy.Grant grant : FunctionPolicy.ofRole(deployment.template(), ROLE).grants()) {
      assertFalse(grant.resources().contains("*") && !WITHOUT_RESOURCE_LEVEL_PERMISSIONS.containsAll(grant.actions()),
          grant.sid() + " allows " + grant.actions() + " on every resource, though AWS lets a policy name them");
    }
  }

  /**
   * A document's ARN: AWS's own documents (AWS-*) have no account in it; the account's own have
   * this account ("Resource types defined by AWS Systems Manager": document).
   */
  private static String documentArn(String name) {
    String owner = name.startsWith("AWS-") ? "" : StackTemplate.ACCOUNT;
    return "arn:aws:ssm:" + StackTemplate.REGION + ":" + owner + ":document/" + name;
  }
}
