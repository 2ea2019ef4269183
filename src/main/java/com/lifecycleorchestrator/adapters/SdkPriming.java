package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.Timings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionFilterKey;
import software.amazon.awssdk.services.ssm.model.ResourceTypeForTagging;
import software.amazon.awssdk.services.ssm.model.Tag;
import software.amazon.awssdk.utils.BinaryUtils;
import software.amazon.awssdk.utils.Md5Utils;

/**
 * Loads and initialises the SDK's classes for every call the function makes (building the request,
 * resolving the endpoint, signing, reading the answer) without calling AWS, at the end of the init,
 * so that the first invocation finds them ready. Each call goes through clients built as the
 * function's are, but with throw-away credentials and a transport that answers on the spot, in the
 * call's protocol, as AWS answers on the way to a runbook's start and end: the group with the
 * instance waiting at its hook (and opted in, for fleet mode), the hook's timeouts, the instance's
 * SSM agent online, no earlier execution, the new one succeeded. The function's own clients are left
 * alone: a SnapStart snapshot holds neither credentials nor a connection.
 */
public final class SdkPriming {

  /** The instance every local answer is about. */
  public static final String INSTANCE = "i-00000000000000000";
  private static final String EXECUTION = "00000000-0000-0000-0000-000000000001";
  private static final String MESSAGE = "{}";
  private static final Pattern QUERY_ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z]+)");
  private static final Pattern QUERY_GROUP = Pattern.compile("(?:^|&)AutoScalingGroupNames\\.member\\.1=([^&]*)");
  private static final Pattern QUERY_HOOK = Pattern.compile("(?:^|&)LifecycleHookNames\\.member\\.1=([^&]*)");

  private SdkPriming() {}

  /** Clients built as the function's, with throw-away credentials, whose every call is answered locally. */
  public static AwsClients answeredLocally(String region, Timings.Sdk sdk) {
    return AwsClients.over(region,
        StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")), new LocalAnswers(), sdk);
  }

  /** Makes each call of the function once, through clients {@link #answeredLocally} for this Region. */
  public static void primeEveryCall(AwsClients clients, String region) {
    SsmClient ssm = clients.ssm();
    AutoScalingClient autoScaling = clients.autoScaling();
    LambdaClient lambda = clients.lambda();
    SqsClient sqs = clients.sqs();
    ssm.describeInstanceInformation(request -> request.filters(filter -> filter.key("InstanceIds").values(INSTANCE)));
    ssm.startAutomationExecution(request -> request.documentName("priming")
        .parameters(Map.of("InstanceId", List.of(INSTANCE)))
        .clientToken("00000000-0000-0000-0000-000000000000")
        .tags(Tag.builder().key("priming").value("priming").build()));
    ssm.getAutomationExecution(request -> request.automationExecutionId("priming"));
    ssm.describeAutomationExecutions(request -> request.filters(
        filter -> filter.key(AutomationExecutionFilterKey.TAG_KEY).values("priming")));
    ssm.listTagsForResource(request -> request.resourceType(ResourceTypeForTagging.AUTOMATION).resourceId("priming"));
    ssm.addTagsToResource(request -> request.resourceType(ResourceTypeForTagging.AUTOMATION).resourceId("priming")
        .tags(Tag.builder().key("priming").value("priming").build()));
    autoScaling.describeAutoScalingGroups(request -> request.autoScalingGroupNames("priming"));
    autoScaling.describeScalingActivities(request -> request.autoScalingGroupName("priming").maxRecords(100));
    autoScaling.describeLifecycleHooks(request -> request.autoScalingGroupName("priming")
        .lifecycleHookNames("priming"));
    autoScaling.recordLifecycleActionHeartbeat(request -> request.autoScalingGroupName("priming")
        .lifecycleHookName("priming").instanceId(INSTANCE));
    autoScaling.completeLifecycleAction(request -> request.autoScalingGroupName("priming")
        .lifecycleHookName("priming").instanceId(INSTANCE).lifecycleActionResult("CONTINUE"));
    lambda.invoke(request -> request.functionName("priming").invocationType(InvocationType.EVENT)
        .payload(SdkBytes.fromUtf8String("{}")));
    sqs.sendMessage(request -> request.queueUrl("https://sqs." + region + ".amazonaws.com/000000000000/priming")
        .messageBody(MESSAGE).delaySeconds(1));
  }

  /**
   * Answers every request at once with an empty success: {@code {}} for the JSON protocols (SSM,
   * SQS), an empty result element for Auto Scaling's query protocol, 202 for an asynchronous
   * Lambda invoke; a status check finds its execution ended, and a sent message its checksum.
   */
  private static final class LocalAnswers implements SdkHttpClient {

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
      return new ExecutableHttpRequest() {
        @Override
        public HttpExecuteResponse call() throws IOException {
          return answer(request);
        }

        @Override
        public void abort() {}
      };
    }

    private static HttpExecuteResponse answer(HttpExecuteRequest request) throws IOException {
      Optional<String> target = request.httpRequest().firstMatchingHeader("X-Amz-Target");
      int status = 200;
      String body;
      if (target.isPresent()) {
        body = json(target.get().substring(target.get().indexOf('.') + 1));
      } else if (request.httpRequest().encodedPath().contains("/functions/")) {
        status = 202;
        body = "";
      } else {
        String query = text(request);
        Matcher action = QUERY_ACTION.matcher(query);
        String name = action.find() ? action.group(1) : "Unknown";
        body = "<" + name + "Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><" + name + "Result>"
            + queryResult(name, named(QUERY_GROUP, query), named(QUERY_HOOK, query)) + "</" + name + "Result>"
            + "<ResponseMetadata><RequestId>priming</RequestId></ResponseMetadata></" + name + "Response>";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      return HttpExecuteResponse.builder()
          .response(SdkHttpResponse.builder().statusCode(status)
              .putHeader("Content-Length", String.valueOf(bytes.length))
              .putHeader("x-amzn-RequestId", "priming")
              .build())
          .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
          .build();
    }

    /** SSM's and SQS's answers (JSON protocol), by operation. */
    private static String json(String operation) {
      return switch (operation) {
        case "DescribeInstanceInformation" -> "{\"InstanceInformationList\":[{\"InstanceId\":\"" + INSTANCE
            + "\",\"PingStatus\":\"Online\",\"LastPingDateTime\":1.7E9,\"PlatformType\":\"Linux\"}]}";
        case "DescribeAutomationExecutions" -> "{\"AutomationExecutionMetadataList\":[]}";
        case "ListTagsForResource" -> "{\"TagList\":[]}";
        case "StartAutomationExecution" -> "{\"AutomationExecutionId\":\"" + EXECUTION + "\"}";
        case "GetAutomationExecution" -> "{\"AutomationExecution\":{\"AutomationExecutionId\":\"" + EXECUTION
            + "\",\"AutomationExecutionStatus\":\"Success\",\"ExecutionStartTime\":1.7E9,\"ExecutionEndTime\":1.7E9}}";
        case "SendMessage" -> "{\"MD5OfMessageBody\":\""
            + BinaryUtils.toHex(Md5Utils.computeMD5Hash(MESSAGE.getBytes(StandardCharsets.UTF_8))) + "\"}";
        default -> "{}";
      };
    }

    /**
     * Auto Scaling's result elements (query protocol), by action: the group asked about, opted in
     * with the stack's runbook, with the instance waiting at its hook; the hook asked about.
     */
    private static String queryResult(String action, String group, String hook) {
      return switch (action) {
        case "DescribeAutoScalingGroups" -> "<AutoScalingGroups><member><AutoScalingGroupName>" + group
            + "</AutoScalingGroupName><MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>0</DesiredCapacity>"
            + "<Instances><member><InstanceId>" + INSTANCE + "</InstanceId><LifecycleState>Terminating:Wait"
            + "</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1a</AvailabilityZone>"
            + "<ProtectedFromScaleIn>false</ProtectedFromScaleIn></member></Instances><Tags><member><Key>"
            + Enrolment.TERMINATE_TAG + "</Key><Value>" + Enrolment.DEFAULT + "</Value><ResourceId>" + group
            + "</ResourceId><ResourceType>auto-scaling-group</ResourceType><PropagateAtLaunch>true</PropagateAtLaunch>"
            + "</member></Tags></member></AutoScalingGroups>";
        case "DescribeLifecycleHooks" -> "<LifecycleHooks><member><LifecycleHookName>" + hook
            + "</LifecycleHookName><AutoScalingGroupName>" + group + "</AutoScalingGroupName><LifecycleTransition>"
            + "autoscaling:EC2_INSTANCE_TERMINATING</LifecycleTransition><HeartbeatTimeout>3600</HeartbeatTimeout>"
            + "<GlobalTimeout>172800</GlobalTimeout><DefaultResult>ABANDON</DefaultResult></member></LifecycleHooks>";
        default -> "";
      };
    }

    /** The name a query asks about, as the XML answer writes it. */
    private static String named(Pattern parameter, String query) {
      Matcher found = parameter.matcher(query);
      return found.find() ? escaped(URLDecoder.decode(found.group(1), StandardCharsets.UTF_8)) : "priming";
    }

    private static String escaped(String text) {
      return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String text(HttpExecuteRequest request) throws IOException {
      if (request.contentStreamProvider().isEmpty()) {
        return "";
      }
      try (InputStream content = request.contentStreamProvider().get().newStream()) {
        return new String(content.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {}
  }
}
