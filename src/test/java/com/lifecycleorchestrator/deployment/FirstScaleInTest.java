package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a first deployment must get right for the first scale-in to go well, and for the stack to
 * deploy at all: the instances can upload their archives, the hooks hold nobody before the rule can
 * deliver, the runbook's name is one SSM accepts, and the function's log lines expire.
 */
class FirstScaleInTest {

  @Test
  void theStacksRunbookIsRefusedWithoutAWayForTheInstancesToUpload() {
    List<String> refusals = StackTemplate.deployedWith(Map.of("AutoScalingGroupName", "web-asg")).failedRuleAssertions();

    assertEquals(1, refusals.size(), String.valueOf(refusals));
    assertTrue(refusals.get(0).contains("InstanceRoleName") && refusals.get(0).contains("AttachUploadPolicyYourself"),
        "the refusal says what to give: " + refusals.get(0));
  }

  @Test
  void everyDeploymentTheTestsTryMayDeploy() {
    for (Deployment deployment : Deployment.values()) {
      assertEquals(List.of(), deployment.template().failedRuleAssertions(), deployment.name());
    }
  }

  @Test
  void theUploadPolicyIsAttachedToTheRoleGiven() {
    Map<String, Object> policy = Deployment.DEFAULTS.template().requiredResource("InstanceUploadPolicy");

    assertEquals(List.of("web-instances"), policy.get("Roles"));
  }

  /**
   * An existing bucket encrypted with the user's KMS key: S3 asks KMS for a data key as the uploader,
   * and kms:Decrypt for an upload in parts ("Uploading and copying objects using multipart upload in
   * Amazon S3"), only through S3.
   */
  @Test
  void theInstancesMayEncryptWithTheBucketsKeyThroughS3Only() {
    Map<String, Object> document = StackTemplate.map(
        Deployment.EXISTING_BUCKET_AND_HOOK.template().requiredResource("InstanceUploadPolicy").get("PolicyDocument"));
    Map<String, Object> encrypt = ((List<?>) document.get("Statement")).stream().map(StackTemplate::map)
        .filter(statement -> "EncryptTheArchives".equals(statement.get("Sid"))).findFirst().orElseThrow();

    assertEquals(List.of("kms:GenerateDataKey", "kms:Decrypt"), encrypt.get("Action"));
    assertEquals("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", encrypt.get("Resource"));
    assertEquals(Map.of("StringEquals", Map.of("kms:ViaService", "s3.us-east-1.amazonaws.com")), encrypt.get("Condition"));
    assertEquals(1, ((List<?>) StackTemplate.map(Deployment.DEFAULTS.template().requiredResource("InstanceUploadPolicy")
        .get("PolicyDocument")).get("Statement")).size(), "no KMS statement without a key");
  }

  /**
   * SSM refuses a document name that starts with aws, amazon or amzn, and allows letters, digits,
   * _ . - only, 3 to 128 of them (CreateDocument, Name, AWS Systems Manager API Reference). The
   * runbook's name does not carry the stack's name, whatever it is.
   */
  @Test
  void theRunbooksNameIsOneSsmAccepts() {
    String name = (String) Deployment.DEFAULTS.template().requiredResource("LogArchiveRunbook").get("Name");

    assertTrue(name.matches("[a-zA-Z0-9_.-]{3,128}"), name);
    for (String reserved : List.of("aws", "amazon", "amzn")) {
      assertFalse(name.toLowerCase(Locale.ROOT).startsWith(reserved), name);
    }
    assertEquals(Deployment.DEPLOYED_RESOURCES.get("LogArchiveRunbook"), name);
  }

  @Test
  void theFunctionLogsToAGroupOfTheStacksWhoseLinesExpire() {
    StackTemplate template = StackTemplate.deployedWith(Map.of("AutoScalingGroupName", "web-asg",
        "InstanceRoleName", "web-instances", "FunctionLogRetentionDays", "30"));
    Map<String, Object> group = template.requiredResource("FunctionLogGroup");

    assertEquals(Map.of("LogGroup", Map.of("Ref", "FunctionLogGroup")),
        template.requiredResource("OrchestratorFunction").get("LoggingConfig"));
    assertEquals("30", String.valueOf(group.get("RetentionInDays")));
    assertFalse(String.valueOf(group.get("LogGroupName")).startsWith("/aws/lambda/"),
        "Lambda creates /aws/lambda/<function> itself when SnapStart publishes a version");
  }

  /**
   * A hook holds every instance that leaves from the moment it exists; the translation shows that
   * each hook the stack creates waits for the rule SAM generates and its permission to invoke.
   */
  @Test
  void theHooksAreCreatedOnlyOnceTheirActionsCanReachTheFunction() throws Exception {
    JsonNode resources = SamTranslation.of(Map.of("AutoScalingGroupName", "web-asg", "InstanceRoleName", "web-instances",
        "LaunchAutomationDocumentName", "warm-up-instance")).path("Resources");
    List<String> deliveredBy = List.of("OrchestratorFunctionLifecycleAction", "OrchestratorFunctionLifecycleActionPermission");

    assertEquals("AWS::Events::Rule", resources.path(deliveredBy.get(0)).path("Type").asText());
    assertEquals("AWS::Lambda::Permission", resources.path(deliveredBy.get(1)).path("Type").asText());
    for (String hook : List.of("TerminateLifecycleHook", "LaunchLifecycleHook")) {
      List<String> dependsOn = new ArrayList<>();
      resources.path(hook).path("DependsOn").forEach(name -> dependsOn.add(name.asText()));
      assertTrue(dependsOn.containsAll(deliveredBy), hook + " depends on " + dependsOn);
    }
  }

  /**
   * sam deploy --guided asks the parameters in the template's order (GuidedContext.prompt_parameters
   * walks them as written); the console shows them in the Interface's groups. Both agree, and the
   * answers every deployment needs come first.
   */
  @Test
  void theParametersAreAskedInTheConsolesGroupsTheEssentialOnesFirst() {
    List<String> grouped = new ArrayList<>();
    Map<String, Object> interfaceMetadata = StackTemplate.map(
        StackTemplate.section("Metadata").get("AWS::CloudFormation::Interface"));
    ((List<?>) interfaceMetadata.get("ParameterGroups")).stream().map(StackTemplate::map)
        .forEach(group -> ((List<?>) group.get("Parameters")).forEach(name -> grouped.add((String) name)));

    assertEquals(new ArrayList<>(StackTemplate.section("Parameters").keySet()), grouped);
    assertEquals(List.of("AutoScalingGroupName", "InstanceRoleName", "AttachUploadPolicyYourself"), grouped.subList(0, 3));
  }
}
