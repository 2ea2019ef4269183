package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Timings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * resolving the endpoint, signing, reading the answer) without calling AWS: before a SnapStart
 * snapshot, so that the first invocation after a restore finds them ready. Each call goes through
 * clients built as the function's are, but with throw-away credentials and a transport that
 * answers on the spot with an empty success in the call's protocol. The function's own clients are
 * left alone: the snapshot holds neither credentials nor a connection.
 */
public final class SdkPriming {

  private static final String INSTANCE = "i-00000000000000000";
  private static final String MESSAGE = "{}";
  private static final Pattern QUERY_ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z]+)");

  private SdkPriming() {}

  /** Makes each call of the function once against the local transport. */
  public static void primeEveryCall(String region, Timings.Sdk sdk) {
    AwsClients clients = AwsClients.over(region,
        StaticCredentialsProvider.create(AwsBasicCredentials.create("priming", "priming")), new LocalAnswers(), sdk);
    try (SsmClient ssm = clients.ssm();
         AutoScalingClient autoScaling = clients.autoScaling();
         LambdaClient lambda = clients.lambda();
         SqsClient sqs = clients.sqs()) {
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
        if (target.get().endsWith(".GetAutomationExecution")) {
          body = "{\"AutomationExecution\":{\"AutomationExecutionStatus\":\"Success\"}}";
        } else if (target.get().endsWith(".SendMessage")) {
          body = "{\"MD5OfMessageBody\":\"" + BinaryUtils.toHex(Md5Utils.computeMD5Hash(MESSAGE.getBytes(StandardCharsets.UTF_8))) + "\"}";
        } else {
          body = "{}";
        }
      } else if (request.httpRequest().encodedPath().contains("/functions/")) {
        status = 202;
        body = "";
      } else {
        Matcher action = QUERY_ACTION.matcher(text(request));
        String name = action.find() ? action.group(1) : "Unknown";
        body = "<" + name + "Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><" + name + "Result/>"
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
