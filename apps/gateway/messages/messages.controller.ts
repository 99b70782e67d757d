import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs.js';
import { ListMessagesDto, SendMessageDto } from './dto/send-message.dto.js';
import { MessagesService } from './messages.service.js';

@ApiTags('messages')
@ApiErrors(400, 401, 403, 500)
@Controller('api/v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @ApiResponse({ status: 200, description: 'Stored and delivered' })
  @ApiErrors(404, 409)
  @HttpCode(200)
  @ApiOperation({ summary: 'Send an unpinned private message to participants of a process (no chain transaction)' })
  send(@Body() body: SendMessageDto) {
    return this.messages.send(body);
  }

  @Get()
  @ApiOperation({ summary: "This member's unpinned private messages, sent and received, oldest first" })
  list(@Query() query: ListMessagesDto) {
    return this.messages.list(query);
  }
}
