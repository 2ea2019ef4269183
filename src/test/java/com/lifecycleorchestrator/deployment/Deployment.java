package com.lifecycleorchestrator.deployment;

import com.lifecycleorchestrator.settings.Settings;
import java.util.HashMap;
import java.util.Map;

/** The ways a user can deploy {@code template.yaml}, each of which the tests hold to the code. */
enum Deployment {
  /** The group and its instances' role named: the stack's log-archiving runbook, bucket and hook. */
  DEFAULTS(Map.of("AutoScalingGroupName", "web-asg", "InstanceRoleName", "web-instances")),

  /** The stack's runbook for scale-in, and a runbook of the user's for launches. */
  WITH_LAUNCH_RUNBOOK(Map.of(
      "AutoScalingGroupName", "web-asg",
      "InstanceRoleName", "web-instances",
      "LaunchAutomationDocumentName", "warm-up-instance")),

  /** The user's own runbook, run as a role of theirs, receiving the group's name. */
  OWN_RUNBOOK_WITH_ROLE(Map.of(
      "AutoScalingGroupName", "web-asg",
      "AutomationDocumentName", "drain-and-archive",
      "AutomationAssumeRoleArn", "arn:aws:iam::123456789012:role/drain-and-archive-runbook",
      "AutomationGroupNameParameter", "GroupName",
      "AutomationParameters", "{\"Verbose\": [\"true\"]}")),

  /** The user's own runbook, run as the function's role. */
  OWN_RUNBOOK_WITHOUT_ROLE(Map.of(
      "AutoScalingGroupName", "web-asg",
      "AutomationDocumentName", "drain-and-archive")),

  /**
   * The stack's runbook writing to an existing bucket encrypted with a key of the user's, on a group
   * that already has its hook, the upload policy attached by the user.
   */
  EXISTING_BUCKET_AND_HOOK(Map.of(
      "AutoScalingGroupName", "web-asg",
      "LogBucketName", "acme-instance-logs",
      "LogBucketKmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "CreateLifecycleHook", "false",
      "AttachUploadPolicyYourself", "true")),

  /** An AWS-owned runbook, named as AWS names it. */
  AWS_OWNED_RUNBOOK(Map.of(
      "AutoScalingGroupName", "web-asg",
      "AutomationDocumentName", "AWS-StopEC2Instance",
      "AutomationDocumentOwner", "Amazon")),

  /** A runbook another account shares with this one. */
  SHARED_RUNBOOK(Map.of(
      "AutoScalingGroupName", "web-asg",
      "AutomationDocumentName", "fleet-drain",
      "AutomationDocumentOwner", "210987654321")),

  /** Without the waiting room: actions waiting for SSM's capacity are handed from invocation to invocation. */
  WITHOUT_WAITING_ROOM(Map.of(
      "AutoScalingGroupName", "web-asg",
      "InstanceRoleName", "web-instances",
      "UseWaitingRoom", "false")),

  /** Without the reconciler's scheduled passes. */
  WITHOUT_RECONCILER(Map.of(
      "AutoScalingGroupName", "web-asg",
      "InstanceRoleName", "web-instances",
      "UseReconciler", "false")),

  /** Fleet mode: every group that opts in with its tag, with the stack's runbook; each brings its hook. */
  FLEET(Map.of(
      "AutoScalingGroupName", "",
      "AttachUploadPolicyYourself", "true")),

  /** Fleet mode with other runbooks a group's tag may name, and launches. */
  FLEET_WITH_ALLOWED_RUNBOOKS(Map.of(
      "AutoScalingGroupName", "",
      "AttachUploadPolicyYourself", "true",
      "AllowedRunbooks", "drain-and-archive,warm-cache",
      "LaunchAutomationDocumentName", "warm-up-instance"));

  /** What CloudFormation gives the stack's own resources, in the form it gives them. */
  static final Map<String, String> DEPLOYED_RESOURCES = Map.of(
      "LogArchiveRunbook", "LifecycleLogArchive-5d2f8e10-1c3a-11f0-9a7b-0a1b2c3d4e5f",
      "AutomationRole.Arn", "arn:aws:iam::123456789012:role/lifecycle-orchestrator-AutomationRole-Q2W3E4R5T6Y7",
      "LogBucket", "lifecycle-orchestrator-logbucket-q2w3e4r5t6y7",
      "WaitingRoomQueue", "https://sqs.us-east-1.amazonaws.com/123456789012/lifecycle-orchestrator-WaitingRoomQueue-Q2W3E4R5T6Y7",
      "WaitingRoomQueue.Arn", "arn:aws:sqs:us-east-1:123456789012:lifecycle-orchestrator-WaitingRoomQueue-Q2W3E4R5T6Y7");

  private final Map<String, String> parameters;

  Deployment(Map<String, String> parameters) {
    this.parameters = parameters;
  }

  StackTemplate template() {
    return StackTemplate.deployedWith(parameters, DEPLOYED_RESOURCES);
  }

  /** The function's settings as it reads them from the variables this deployment gives it. */
  Settings settings() {
    Map<String, String> environment = new HashMap<>();
    template().functionVariables().forEach((name, value) -> environment.put(name, String.valueOf(value)));
    environment.put(Settings.REGION, StackTemplate.REGION);
    return Settings.from(environment);
  }
}
